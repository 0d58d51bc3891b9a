package demo

import (
	"strconv"

	"github.com/kampbank/kamp"
)

// OrgUnit is one org unit of the demo bank (机构): the head office, one of
// its departments, a branch or a sub-branch. Entities' branch column holds
// the codes of the head office, branches and sub-branches.
type OrgUnit struct {
	Code   string // "HO", "HO-SCD", "BJ", "BJ01", ...
	Name   string // Chinese name, e.g. "北京海淀支行"
	Kind   string // kamp.UnitHeadOffice, kamp.UnitDepartment, kamp.UnitBranch or kamp.UnitSubBranch
	Parent string // code of the parent unit; "" for the head office
}

// Codes of the head-office departments of the demo bank.
const (
	DeptStrategicClients = "HO-SCD"  // 战略客户部: the analysts and lead account managers
	DeptProduct          = "HO-PRD"  // 产品部: product specialists
	DeptOperations       = "HO-OPS"  // 运营部: middle and back office
	DeptRisk             = "HO-RISK" // 风险管理部: risk officers
	DeptAudit            = "HO-AUD"  // 审计部: internal audit
)

// departments are the head office's departments, in the order OrgUnits
// lists them.
var departments = []struct{ code, name string }{
	{DeptStrategicClients, "战略客户部"},
	{DeptProduct, "产品部"},
	{DeptOperations, "运营部"},
	{DeptRisk, "风险管理部"},
	{DeptAudit, "审计部"},
}

// branchDef is a branch with the places of its sub-branches, in code order.
type branchDef struct {
	code, name string
	subs       []string
}

var branchDefs = []branchDef{
	{"BJ", "北京分行", []string{"北京东城", "北京西城", "北京朝阳", "北京海淀", "北京丰台", "北京石景山", "北京通州", "北京顺义", "北京昌平", "北京大兴", "北京亦庄", "北京中关村"}},
	{"SH", "上海分行", []string{"上海黄浦", "上海徐汇", "上海长宁", "上海静安", "上海普陀", "上海虹口", "上海杨浦", "上海闵行", "上海宝山", "上海嘉定", "上海浦东", "上海松江"}},
	{"SZ", "深圳分行", []string{"深圳福田", "深圳罗湖", "深圳南山", "深圳宝安", "深圳龙岗", "深圳龙华", "深圳盐田", "深圳前海", "深圳光明", "深圳坪山"}},
	{"JS", "江苏分行", []string{"南京鼓楼", "南京新街口", "南京江宁", "苏州工业园区", "苏州", "无锡", "常州", "南通", "扬州", "徐州"}},
	{"ZJ", "浙江分行", []string{"杭州西湖", "杭州滨江", "杭州萧山", "宁波", "温州", "绍兴", "嘉兴", "金华", "台州", "义乌"}},
	{"GD", "广东分行", []string{"广州天河", "广州越秀", "广州海珠", "广州番禺", "佛山", "东莞", "珠海", "中山", "惠州", "江门"}},
	{"SC", "四川分行", []string{"成都高新", "成都锦江", "成都武侯", "成都天府", "绵阳", "德阳", "宜宾", "乐山"}},
	{"HB", "湖北分行", []string{"武汉江汉", "武汉武昌", "武汉汉阳", "武汉东湖", "宜昌", "襄阳", "荆州", "黄石"}},
	{"SD", "山东分行", []string{"济南历下", "济南高新", "青岛市南", "青岛崂山", "烟台", "潍坊", "淄博", "临沂"}},
}

// HeadOffice is the code of the demo bank's head office, which owns the
// relationships with the largest groups and with some foreign entities.
const HeadOffice = "HO"

// OrgUnits returns the demo bank's org units in a fixed order: the head
// office, its departments, then each branch followed by its sub-branches.
// The package documentation lists the same branch codes; Generate writes
// them all to org-units.csv.
func OrgUnits() []OrgUnit {
	out := []OrgUnit{{Code: HeadOffice, Name: "总行", Kind: kamp.UnitHeadOffice}}
	for _, d := range departments {
		out = append(out, OrgUnit{Code: d.code, Name: d.name, Kind: kamp.UnitDepartment, Parent: HeadOffice})
	}
	for _, b := range branchDefs {
		out = append(out, OrgUnit{Code: b.code, Name: b.name, Kind: kamp.UnitBranch, Parent: HeadOffice})
		for i, s := range b.subs {
			out = append(out, OrgUnit{Code: subCode(b.code, i), Name: s + "支行", Kind: kamp.UnitSubBranch, Parent: b.code})
		}
	}
	return out
}

// WriteOrgUnits writes org-units.csv alone into dir (which must exist),
// replacing the file only once it is complete: for demo banks generated
// before Generate wrote it. It returns the file's path.
func WriteOrgUnits(dir string) (string, error) {
	t, err := newTable(dir, FileOrgUnits, headers[FileOrgUnits], nil)
	if err != nil {
		return "", err
	}
	defer t.discard()
	if err := writeOrgUnits(t); err != nil {
		return "", err
	}
	if err := t.close(); err != nil {
		return "", err
	}
	if err := t.commit(); err != nil {
		return "", err
	}
	return t.final, nil
}

// writeOrgUnits writes OrgUnits to t, one row each: code,name,kind,parent.
func writeOrgUnits(t *table) error {
	for _, u := range OrgUnits() {
		t.row = append(t.row, u.Code...)
		t.row = append(t.row, ',')
		t.row = appendField(t.row, []byte(u.Name))
		t.row = append(t.row, ',')
		t.row = append(t.row, u.Kind...)
		t.row = append(t.row, ',')
		t.row = append(t.row, u.Parent...)
		if err := t.end(); err != nil {
			return err
		}
	}
	return nil
}

// subCode returns the code of sub-branch i (0-based) of branch: "BJ01".
func subCode(branch string, i int) string {
	n := i + 1
	if n < 10 {
		return branch + "0" + strconv.Itoa(n)
	}
	return branch + strconv.Itoa(n)
}

// branchIndex maps a branch code to its position in branchDefs.
var branchIndex = func() map[string]int {
	m := map[string]int{}
	for i, b := range branchDefs {
		m[b.code] = i
	}
	return m
}()

// appendBranch appends the org unit code that owns a relationship in branch
// (a branch code or HeadOffice): a quarter of them the branch itself, the
// rest one of its sub-branches, chosen by h.
func appendBranch(dst []byte, branch string, h uint64) []byte {
	dst = append(dst, branch...)
	bi, ok := branchIndex[branch]
	if !ok || h%4 == 0 {
		return dst
	}
	n := uint64(len(branchDefs[bi].subs))
	s := int(h/4%n) + 1
	return append(dst, byte('0'+s/10), byte('0'+s%10))
}
