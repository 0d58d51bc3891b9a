package demo

// region is a place that company names start with (or carry in brackets),
// with the bank branch that serves it, a weight for how many companies are
// registered there, and administrative division codes of its registration
// authorities (USCC positions 3-8).
type region struct {
	name   string // exactly two characters
	branch string
	weight int
	div    []string
}

var regions = []region{
	{"北京", "BJ", 10, []string{"110101", "110102", "110105", "110106", "110108", "110112", "110115"}},
	{"天津", "BJ", 3, []string{"120101", "120104", "120116"}},
	{"河北", "BJ", 2, []string{"130100", "130200", "130600"}},
	{"辽宁", "BJ", 1, []string{"210100", "210102", "210106"}},
	{"大连", "BJ", 1, []string{"210202", "210204", "210211"}},
	{"上海", "SH", 10, []string{"310101", "310104", "310105", "310110", "310112", "310115"}},
	{"江苏", "JS", 5, []string{"320000", "320100", "320200", "320400"}},
	{"南京", "JS", 3, []string{"320102", "320104", "320105", "320106"}},
	{"苏州", "JS", 4, []string{"320505", "320506", "320507", "320508"}},
	{"无锡", "JS", 2, []string{"320211", "320213", "320214"}},
	{"安徽", "JS", 2, []string{"340100", "340102", "340104"}},
	{"浙江", "ZJ", 5, []string{"330000", "330100", "330300", "330600"}},
	{"杭州", "ZJ", 4, []string{"330102", "330106", "330108", "330109"}},
	{"宁波", "ZJ", 2, []string{"330203", "330206", "330212"}},
	{"温州", "ZJ", 1, []string{"330302", "330303", "330304"}},
	{"福建", "ZJ", 2, []string{"350100", "350102", "350500"}},
	{"广东", "GD", 6, []string{"440000", "440100", "440600", "441900"}},
	{"广州", "GD", 4, []string{"440103", "440104", "440106", "440113"}},
	{"东莞", "GD", 2, []string{"441900"}},
	{"佛山", "GD", 2, []string{"440604", "440605", "440606"}},
	{"厦门", "GD", 1, []string{"350203", "350206", "350211"}},
	{"广西", "GD", 1, []string{"450100", "450103"}},
	{"海南", "GD", 1, []string{"460100", "460106"}},
	{"深圳", "SZ", 7, []string{"440303", "440304", "440305", "440306", "440307"}},
	{"四川", "SC", 3, []string{"510000", "510100", "510700"}},
	{"成都", "SC", 3, []string{"510104", "510107", "510108", "510116"}},
	{"重庆", "SC", 3, []string{"500103", "500105", "500106", "500112"}},
	{"陕西", "SC", 1, []string{"610100", "610113"}},
	{"云南", "SC", 1, []string{"530100", "530102"}},
	{"湖北", "HB", 3, []string{"420000", "420100", "420500"}},
	{"武汉", "HB", 3, []string{"420102", "420103", "420106", "420111"}},
	{"湖南", "HB", 2, []string{"430100", "430102", "430104"}},
	{"河南", "HB", 2, []string{"410100", "410102", "410105"}},
	{"江西", "HB", 1, []string{"360100", "360102"}},
	{"山东", "SD", 4, []string{"370000", "370100", "370600", "370700"}},
	{"济南", "SD", 2, []string{"370102", "370103", "370112"}},
	{"青岛", "SD", 2, []string{"370202", "370203", "370211", "370212"}},
	{"烟台", "SD", 1, []string{"370602", "370613"}},
}

// industry is an industry word of company names with GB/T 4754-2017 codes
// that fit it; trade marks industries whose clients settle internationally.
type industry struct {
	word  string
	codes []string
	trade bool
}

var industries = []industry{
	{"科技", []string{"M75", "M7519", "I65", "M"}, false},
	{"科技发展", []string{"M75", "M7519", "M"}, false},
	{"智能科技", []string{"C34", "M75", "I6531"}, false},
	{"信息技术", []string{"I65", "I6531", "I"}, false},
	{"软件", []string{"I65", "I651", "I6513"}, false},
	{"网络科技", []string{"I64", "I649", "I6490"}, false},
	{"通信", []string{"I63", "I631", "C3921"}, true},
	{"电子", []string{"C39", "C397", "C3971", "C3981"}, true},
	{"电子科技", []string{"C39", "C3973", "C3976"}, true},
	{"半导体", []string{"C3973", "C3972", "C397"}, true},
	{"光电", []string{"C3976", "C39"}, true},
	{"电气", []string{"C38", "C382", "C3824"}, true},
	{"电池", []string{"C384", "C3841"}, true},
	{"制造", []string{"C", "C34", "C35"}, true},
	{"机械", []string{"C34", "C342", "C3421"}, true},
	{"机械制造", []string{"C35", "C351", "C3511"}, true},
	{"装备", []string{"C35", "C37", "C34"}, true},
	{"重工", []string{"C35", "C3511", "C34"}, true},
	{"汽车", []string{"C36", "C361", "C3612"}, true},
	{"汽车零部件", []string{"C36", "C3670"}, true},
	{"船舶", []string{"C37", "C373", "C3731"}, true},
	{"航空科技", []string{"C374", "C3741"}, true},
	{"化工", []string{"C26", "C261", "C2614"}, true},
	{"精细化工", []string{"C26", "C266", "C2661"}, true},
	{"新材料", []string{"C26", "C2651", "C30"}, false},
	{"钢铁", []string{"C31", "C3120", "C3130"}, true},
	{"有色金属", []string{"C32", "C3216"}, true},
	{"建材", []string{"C30", "C3011", "F5165"}, false},
	{"纺织", []string{"C17", "C1711"}, true},
	{"服饰", []string{"C18", "C1811"}, true},
	{"家居", []string{"C21", "C2110"}, true},
	{"包装", []string{"C223", "C2231", "C292"}, false},
	{"食品", []string{"C14", "C13", "C1431"}, false},
	{"农业", []string{"A", "A01", "A0111"}, false},
	{"医药", []string{"C27", "C2720", "F5151"}, true},
	{"生物医药", []string{"C27", "C276", "C2761"}, true},
	{"医疗器械", []string{"C358", "C3581"}, true},
	{"物流", []string{"G", "G59", "G58", "G543"}, false},
	{"国际物流", []string{"G58", "G582", "G5821"}, true},
	{"供应链管理", []string{"L7224", "L72", "G58"}, true},
	{"运输", []string{"G54", "G543"}, false},
	{"航运", []string{"G55", "G552", "G5521"}, true},
	{"建设", []string{"E", "E47", "E48"}, false},
	{"建筑工程", []string{"E47", "E4710", "E4790"}, false},
	{"路桥", []string{"E48", "E481", "E4812"}, false},
	{"能源", []string{"D", "D44", "B06"}, false},
	{"新能源", []string{"D4415", "D4416", "C3825"}, true},
	{"电力", []string{"D44", "D441", "D4411"}, false},
	{"燃气", []string{"D45", "D4511"}, false},
	{"水务", []string{"D46", "D4610"}, false},
	{"矿业", []string{"B", "B09", "B0610"}, true},
	{"环保", []string{"N77", "N7721", "N"}, false},
	{"贸易", []string{"F", "F51", "F517"}, true},
	{"国际贸易", []string{"F51", "F518", "F5181"}, true},
	{"进出口", []string{"F51", "F5181", "F"}, true},
	{"商业管理", []string{"L72", "L7222"}, false},
	{"商务咨询", []string{"L72", "L7243"}, false},
	{"投资", []string{"L72", "L7212"}, false},
	{"投资管理", []string{"L7212"}, false},
	{"融资租赁", []string{"J6631", "J"}, false},
	{"置业", []string{"K70", "K7010"}, false},
	{"房地产开发", []string{"K70", "K7010", "K"}, false},
	{"物业管理", []string{"K702", "K7020"}, false},
	{"实业", []string{"C", "F", "L72"}, false},
	{"文化传媒", []string{"R", "R87", "L725"}, false},
	{"餐饮管理", []string{"H62", "H6210"}, false},
	{"酒店管理", []string{"H61", "H6110"}, false},
}

// Legal forms of company names. A company's form is one of these; the match
// key of engines.md §3 keeps them apart (only 有限责任公司 is folded).
const (
	formLtd      = iota // 有限公司
	formJoint           // 股份有限公司
	formGroup           // 集团有限公司
	formGroupJSC        // 集团股份有限公司
)

var forms = [...]string{"有限公司", "股份有限公司", "集团有限公司", "集团股份有限公司"}

// brandChars make the two-character invented brands of company names.
const brandChars = "华信宏达中联鑫源金泰恒盛东方瑞丰永安鼎新天海嘉和润德隆腾飞凯博远明辉长兴旺荣昌富通航创益星宇晨光银汇利佳顺祥康健力正大立世纪元亿万美誉锦景雅豪威龙凤云峰川江洋宁平合众诚义智卓越启铭弘坤乾晟昊磊骏驰鹏翔展拓亚欧环宝聚百千赛尚友邦鸿运亨嘉祺福寿吉庆奥"

// unknownChars start the brands of firms the bank does not know; none of
// them starts a known entity's brand.
const unknownChars = "琪钰璟珑淼焱垚沐澜熙煜曦瀚灏桦楠梓榕槿芃苒蔚菁萱岚嵘崧屹峻彦骐骁铖锐钧炜烨璞琨瑾"

// unknownCities are the cities in the names of firms unknown to the bank;
// those names always carry 市, which no known entity's name does.
var unknownCities = []string{
	"深圳", "广州", "东莞", "佛山", "苏州", "无锡", "常州", "宁波", "温州", "义乌",
	"杭州", "南京", "合肥", "武汉", "长沙", "郑州", "成都", "重庆", "西安", "青岛",
	"济南", "烟台", "厦门", "泉州", "福州", "天津", "石家庄", "沈阳", "大连", "哈尔滨",
	"长春", "昆明", "南宁", "贵阳", "南昌", "太原", "兰州", "乌鲁木齐", "珠海", "中山",
}

// shopGoods and shopForms make the names of small unincorporated businesses
// (个体工商户) that appear as payment counterparties.
var (
	shopGoods = []string{"五金", "建材", "电器", "日用品", "办公用品", "劳保用品", "机电设备", "食品", "包装材料", "汽配", "水产", "粮油"}
	shopForms = []string{"商行", "经营部", "贸易商行", "门市部"}
)

// surnames and givenChars make persons' names.
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
	"何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
	"肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
	"任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
	"韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
	"龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
	"莫", "孔", "向", "汤", "欧阳", "司马", "诸葛", "上官", "慕容", "皇甫", "令狐", "东方",
}

const givenChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞建国文辉力斌波宁丹健凯亮婷雪琳晶欣宇浩然博俊峰帆鑫睿哲晨阳旭东志伟成龙海燕梅兰菊莉倩颖瑶佳怡嘉豪子轩梓涵思远一鸣天佑雨泽家乐明轩子豪晓光永福长青春生秋菊冬梅立新振华德胜国庆卫东建军红旗爱民学军文杰少华晓明宏伟志强立华海涛建平永红丽华俊杰鹏程云飞万里金山玉兰翠花桂芬淑珍秀英凤英玉梅美玲婉清若曦慧敏静怡雅琴诗涵欣妍梦琪语嫣" +
	"彬冰昌辰成程聪德栋恩发凡芬丰福钢高根功冠贵海寒航和恒鸿虎慧吉家江金锦进晶菊君俊可坤兰朗乐雷蕾黎良林玲露曼茂美萌民铭楠琪启勤青清琼荣蓉瑞润森山善少胜诗石书淑舒帅顺松素腾天彤威薇维武希贤祥晓心新星兴旭萱亚岩妍彦燕耀业一艺逸毅莹永友雨元媛月泽增展振正智忠洲竹卓宗"

// stateBodies are the state-owned-assets supervision bodies (kind state) at
// the top of state groups, with the division code of their registration.
var stateBodies = []struct{ name, div string }{
	{"国务院国有资产监督管理委员会", "100000"},
	{"北京市人民政府国有资产监督管理委员会", "110000"},
	{"上海市国有资产监督管理委员会", "310000"},
	{"天津市人民政府国有资产监督管理委员会", "120000"},
	{"重庆市国有资产监督管理委员会", "500000"},
	{"广东省人民政府国有资产监督管理委员会", "440000"},
	{"深圳市人民政府国有资产监督管理委员会", "440300"},
	{"江苏省人民政府国有资产监督管理委员会", "320000"},
	{"浙江省人民政府国有资产监督管理委员会", "330000"},
	{"山东省人民政府国有资产监督管理委员会", "370000"},
	{"四川省政府国有资产监督管理委员会", "510000"},
	{"湖北省人民政府国有资产监督管理委员会", "420000"},
	{"青岛市人民政府国有资产监督管理委员会", "370200"},
	{"武汉市人民政府国有资产监督管理委员会", "420100"},
	{"成都市国有资产监督管理委员会", "510100"},
}

// Foreign entities have English names: a first word, a second word, an
// industry word and a legal form that depends on the country.
var (
	foreignFirst = []string{
		"Pacific", "Golden", "Orient", "Harbour", "Summit", "Crown", "Silver", "Jade", "Dragon", "Phoenix",
		"Lotus", "Meridian", "Atlas", "Horizon", "Pioneer", "Sterling", "Evergreen", "Northstar", "Bluewater", "Redwood",
		"Eastgate", "Westbridge", "Kingsway", "Oakwood", "Riverside", "Highland", "Seaview", "Starlight", "Brightway", "Grandview",
		"Unity", "Victory", "Fortune", "Noble", "Regal", "Imperial", "Central", "Global", "United", "Asia",
	}
	foreignSecond = []string{
		"Star", "Sun", "Wave", "Point", "Gate", "Field", "Stone", "Bay", "Port", "Ocean",
		"Sky", "Line", "Bridge", "Link", "Crest", "Peak", "Vale", "Ridge", "Rise", "Arc",
		"Way", "Light", "Land", "Tree", "Leaf", "Pearl", "Coast", "River", "Lake", "Glen",
		"Hill", "Forge", "Works", "Shore", "Haven", "Spring", "Moon", "Wind", "Cloud", "Crown",
	}
	foreignIndustries = []struct{ word, code string }{
		{"Trading", "F51"}, {"Holdings", "L7212"}, {"Logistics", "G58"}, {"Technologies", "I65"},
		{"Capital", "L7212"}, {"Industries", "C"}, {"Resources", "B"}, {"Shipping", "G55"},
		{"Electronics", "C39"}, {"Materials", "C30"}, {"Energy", "D44"}, {"Investments", "L72"},
		{"Engineering", "E48"}, {"Foods", "C14"}, {"Pharmaceuticals", "C27"}, {"Textiles", "C17"},
		{"Chemicals", "C26"}, {"Metals", "C32"}, {"Machinery", "C34"}, {"Ventures", "L72"},
	}
)

// country is a foreign country of entities: ISO 3166-1 code, its currency,
// the legal form of company names, the LOU prefix of LEIs issued there and
// the bank branch that serves its entities.
type country struct {
	code, currency, form, lou, branch string
}

var countries = []country{
	{"HK", "HKD", "Limited", "2549", "SZ"},
	{"SG", "SGD", "Pte. Ltd.", "5493", "GD"},
	{"US", "USD", "Inc.", "5493", "HO"},
	{"DE", "EUR", "GmbH", "5299", "SH"},
	{"GB", "GBP", "Ltd", "2138", "HO"},
	{"JP", "JPY", "Co., Ltd.", "3538", "SH"},
}

// chineseLOU is the LEI prefix (with the "00" that follows it) of LEIs that
// large Chinese companies get.
const chineseLOU = "3003"

// Derived tables, built once by init from the lists above.
var (
	brands      []string // two-character brands of known entities
	unknownBrs  []string // brands of firms unknown to the bank
	givenNames  []string // single characters of given names
	regionCum   []int    // cumulative region weights
	tradeInds   []int    // indices of trade industries
	personSpace int      // number of distinct person names
)

func init() {
	taken := map[string]bool{}
	for _, r := range regions {
		taken[r.name] = true
	}
	for _, in := range industries {
		taken[in.word] = true
	}
	chars := uniqueRunes(brandChars)
	for _, a := range chars {
		for _, b := range chars {
			if a == b {
				continue
			}
			w := a + b
			if !taken[w] {
				brands = append(brands, w)
			}
		}
	}
	for _, a := range uniqueRunes(unknownChars) {
		for _, b := range chars {
			unknownBrs = append(unknownBrs, a+b)
		}
	}
	givenNames = uniqueRunes(givenChars)
	total := 0
	for _, r := range regions {
		total += r.weight
		regionCum = append(regionCum, total)
	}
	for i, in := range industries {
		if in.trade {
			tradeInds = append(tradeInds, i)
		}
	}
	g := len(givenNames)
	personSpace = len(surnames) * (g + g*g)
	personMix = newAffine(uint64(personSpace))
	foreignMix = newAffine(uint64(len(countries)) * foreignSpace)
}

// uniqueRunes returns the distinct characters of s as strings, in order.
func uniqueRunes(s string) []string {
	seen := map[rune]bool{}
	var out []string
	for _, r := range s {
		if !seen[r] {
			seen[r] = true
			out = append(out, string(r))
		}
	}
	return out
}
