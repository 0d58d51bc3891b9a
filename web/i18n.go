package web

import (
	"fmt"
	"strings"
)

// Languages the interface speaks. LangZH is the default.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// Languages lists the supported languages in the order the switch shows
// them.
var Languages = []string{LangZH, LangEN}

// NormalizeLang returns the supported language that tag names ("en",
// "en-US", "zh", "zh-cn", …), or LangZH.
func NormalizeLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "en" || strings.HasPrefix(tag, "en-") {
		return LangEN
	}
	return LangZH
}

// message is one entry of the catalogue: its Chinese and English text, as
// fmt format strings when the message takes arguments.
type message struct{ zh, en string }

// catalogue holds every string the interface shows. Keys are dotted by
// area; a feature adds its keys here, both languages at once.
var catalogue = map[string]message{
	"app.name":          {"kamp 战略客户管理", "kamp key account management"},
	"app.skip":          {"跳到主要内容", "Skip to main content"},
	"nav.label":         {"主导航", "Main navigation"},
	"nav.dashboard":     {"工作台", "Dashboard"},
	"nav.entities":      {"客户", "Entities"},
	"nav.groups":        {"集团", "Groups"},
	"nav.screening":     {"战略客户", "Screening"},
	"nav.chain":         {"产业链", "Chain"},
	"nav.organisation":  {"机构与团队", "Organisation"},
	"nav.imports":       {"数据导入", "Imports"},
	"nav.audit":         {"审计", "Audit"},
	"nav.settings":      {"设置", "Settings"},
	"lang.label":        {"语言", "Language"},
	"lang.zh-CN":        {"中文", "中文"},
	"lang.en":           {"English", "English"},
	"lang.switch":       {"切换", "Switch"},
	"user.signed_in_as": {"当前用户", "Signed in as"},
	"role.admin":        {"系统管理员", "Administrator"},
	"role.analyst":      {"战略客户分析员", "Analyst"},
	"role.lead_rm":      {"主办客户经理", "Lead account manager"},
	"role.branch_rm":    {"分行客户经理", "Branch RM"},
	"role.product":      {"产品经理", "Product specialist"},
	"role.support":      {"中后台", "Middle/back office"},
	"role.risk":         {"风险经理", "Risk officer"},
	"role.auditor":      {"审计员", "Auditor"},

	"login.title":     {"登录", "Sign in"},
	"login.login":     {"登录名", "Login"},
	"login.password":  {"密码", "Password"},
	"login.submit":    {"登录", "Sign in"},
	"login.failed":    {"登录名或密码不正确，请重新输入。", "The login or password is not right. Please try again."},
	"login.locked":    {"该登录名连续登录失败次数过多，已暂时锁定，请 15 分钟后再试。", "Too many failed sign-ins for this login: it is locked for 15 minutes. Please try again later."},
	"login.missing":   {"请输入登录名和密码。", "Enter your login and password."},
	"login.intro":     {"请使用行内账号登录。", "Sign in with your bank account."},
	"logout.submit":   {"退出", "Sign out"},
	"csrf.failed":     {"表单已过期，请刷新页面后重试。", "The form has expired. Reload the page and try again."},
	"error.title":     {"出错了", "Something went wrong"},
	"error.internal":  {"系统内部错误，请稍后重试。如问题持续，请联系管理员并提供请求编号。", "An internal error occurred. Try again later; if it persists, contact the administrator with the request id."},
	"error.notfound":  {"您要找的页面或记录不存在，或您无权查看。", "The page or record does not exist, or you may not see it."},
	"error.forbidden": {"您的角色无权执行此操作。", "Your role may not do this."},
	"error.invalid":   {"请求有误，请检查输入或链接后重试。", "The request is not valid. Check what you entered or the link, and try again."},
	"error.request":   {"请求编号", "Request id"},
	"error.back":      {"返回工作台", "Back to the dashboard"},
	"error.404":       {"页面不存在", "Page not found"},
	"error.403":       {"无权访问", "Not allowed"},
	"error.400":       {"请求有误", "Bad request"},
	"error.409":       {"操作冲突", "Conflict"},
	"error.413":       {"文件过大", "Upload too large"},
	"error.500":       {"系统错误", "Internal error"},

	"dash.title":          {"工作台", "Dashboard"},
	"dash.empty.title":    {"暂无数据", "No data yet"},
	"dash.empty.body":     {"暂无数据——请导入 entities.csv，或使用演示银行启动（kamp serve --demo）。", "No data yet — import entities.csv or start with the demo bank (kamp serve --demo)."},
	"dash.empty.action":   {"去导入数据", "Import data"},
	"dash.entities":       {"主体", "Entities"},
	"dash.clients":        {"客户", "Clients"},
	"dash.holdings":       {"持股关系", "Holdings"},
	"dash.metrics":        {"指标记录", "Metric rows"},
	"dash.exposures":      {"风险暴露", "Exposures"},
	"dash.payments":       {"交易流水", "Payments"},
	"dash.fx":             {"汇率", "FX rates"},
	"dash.latest_period":  {"最新期间", "Latest period"},
	"dash.last_import":    {"最近导入", "Last import"},
	"dash.none":           {"无", "none"},
	"dash.figures":        {"数据概览", "Headline figures"},
	"entities.title":      {"客户", "Entities"},
	"entities.search":     {"搜索", "Search"},
	"entities.q":          {"名称、统一社会信用代码、LEI 或编号", "Name, USCC, LEI or id"},
	"entities.kind":       {"类型", "Kind"},
	"entities.client":     {"是否客户", "Client"},
	"entities.branch":     {"经营机构", "Branch"},
	"entities.country":    {"国家/地区", "Country"},
	"entities.any":        {"全部", "Any"},
	"entities.yes":        {"是", "Yes"},
	"entities.no":         {"否", "No"},
	"entities.filter":     {"筛选", "Filter"},
	"entities.reset":      {"清除", "Reset"},
	"entities.total":      {"共 %s 条", "%s in total"},
	"entities.empty":      {"没有符合条件的主体。请修改筛选条件，或导入 entities.csv。", "No entity matches. Change the filters, or import entities.csv."},
	"entities.export":     {"导出", "Export"},
	"entities.export_csv": {"导出 CSV", "Export CSV"},
	"entities.export_xls": {"导出 Excel", "Export Excel"},
	"entities.page":       {"第 %d / %d 页", "Page %d of %d"},
	"entities.prev":       {"上一页", "Previous"},
	"entities.next":       {"下一页", "Next"},
	"entities.sort_asc":   {"升序", "ascending"},
	"entities.sort_desc":  {"降序", "descending"},
	"kind.company":        {"企业", "Company"},
	"kind.person":         {"个人", "Person"},
	"kind.state":          {"国资机构", "State body"},
	"col.id":              {"编号", "Id"},
	"col.name":            {"名称", "Name"},
	"col.kind":            {"类型", "Kind"},
	"col.uscc":            {"统一社会信用代码", "USCC"},
	"col.lei":             {"LEI", "LEI"},
	"col.country":         {"国家/地区", "Country"},
	"col.industry":        {"行业", "Industry"},
	"col.branch":          {"经营机构", "Branch"},
	"col.is_client":       {"客户", "Client"},

	"entity.facts":           {"基本信息", "Facts"},
	"entity.holders":         {"股东（谁持有它）", "Holders (who holds it)"},
	"entity.holdings":        {"对外持股（它持有谁）", "Holdings (what it holds)"},
	"entity.metrics":         {"指标（按期间）", "Metrics by period"},
	"entity.exposures":       {"风险暴露", "Exposures"},
	"entity.holder":          {"股东", "Holder"},
	"entity.held":            {"被持股主体", "Entity held"},
	"entity.share":           {"持股比例", "Share"},
	"entity.control":         {"控制方式", "Control"},
	"entity.agreement":       {"协议控制", "by agreement"},
	"entity.as_of":           {"截至日期", "As of"},
	"entity.none_holders":    {"没有已知股东。导入 ownership.csv 后显示。", "No known holder. Import ownership.csv to show them."},
	"entity.none_holdings":   {"没有已知对外持股。", "It holds no known entity."},
	"entity.none_metrics":    {"没有指标数据。导入 metrics.csv 后显示。", "No metrics. Import metrics.csv to show them."},
	"entity.none_exposures":  {"没有风险暴露。导入 exposures.csv 后显示。", "No exposures. Import exposures.csv to show them."},
	"entity.period":          {"期间", "Period"},
	"entity.currency":        {"币种", "Currency"},
	"entity.deposits_avg":    {"日均存款", "Avg deposits"},
	"entity.loans_avg":       {"日均贷款", "Avg loans"},
	"entity.revenue":         {"综合收益", "Revenue"},
	"entity.fee_income":      {"中间业务收入", "Fee income"},
	"entity.facility":        {"额度编号", "Facility"},
	"entity.product":         {"产品", "Product"},
	"entity.amount":          {"金额", "Amount"},
	"entity.total_exposure":  {"风险暴露合计（%s）", "Total exposure (%s)"},
	"entity.latest_deposits": {"日均存款（%s）", "Avg deposits (%s)"},
	"entity.latest_revenue":  {"综合收益（%s）", "Revenue (%s)"},
	"entity.holders_count":   {"股东数", "Holders"},
	"entity.holdings_count":  {"对外持股数", "Holdings"},
	"entity.units":           {"金额单位", "Amount units"},
	"entity.unit_auto":       {"万元/亿元", "10k / 100M"},
	"entity.unit_yuan":       {"元", "full CNY"},
	"entity.client_yes":      {"客户", "Client"},
	"entity.client_no":       {"非客户", "Not a client"},

	"unit.yuan": {"元", "CNY"},
	"unit.wan":  {"万元", "×10k CNY"},
	"unit.yi":   {"亿元", "×100M CNY"},
	// Units of currencies other than CNY: %s is the ISO code.
	"unit.yuan.other": {"%s", "%s"},
	"unit.wan.other":  {"万 %s", "×10k %s"},
	"unit.yi.other":   {"亿 %s", "×100M %s"},

	"imports.title":          {"数据导入", "Imports"},
	"imports.upload":         {"上传文件", "Upload files"},
	"imports.files":          {"文件（可多选：.csv、.csv.gz、.xlsx；camt.053 / GLEIF .xml；BODS .json）", "Files (several allowed: .csv, .csv.gz, .xlsx; camt.053 or GLEIF .xml; BODS .json)"},
	"imports.quarantine":     {"隔离错误行：导入正确的行，错误行单独报告", "Quarantine bad rows: load the good rows and report the bad ones"},
	"imports.submit":         {"开始导入", "Start import"},
	"imports.history":        {"导入历史", "Import history"},
	"imports.empty":          {"还没有导入记录。上传 entities.csv 开始。", "No import yet. Upload entities.csv to begin."},
	"imports.started":        {"开始时间", "Started"},
	"imports.finished":       {"完成时间", "Finished"},
	"imports.status":         {"状态", "Status"},
	"imports.by":             {"操作人", "By"},
	"imports.file_count":     {"文件数", "Files"},
	"imports.batch":          {"导入批次", "Import batch"},
	"imports.no_files":       {"请选择至少一个文件。", "Choose at least one file."},
	"imports.bad_name":       {"文件名“%s”无效：只接受 .csv、.csv.gz、.xlsx 数据文件，camt.053 或 GLEIF 的 .xml 文件，以及 BODS 的 .json/.jsonl 文件，且文件名不能包含路径。", "The file name “%s” is not valid: only .csv, .csv.gz or .xlsx data files, camt.053 or GLEIF .xml files and BODS .json/.jsonl files, with no folder in the name."},
	"imports.duplicate_name": {"文件“%s”选择了两次。", "The file “%s” was chosen twice."},
	"imports.too_large":      {"上传的文件太大（上限 %s）。", "The upload is too large (the limit is %s)."},
	"imports.too_many":       {"一次最多上传 %d 个文件。", "Upload at most %d files at once."},
	"status.running":         {"进行中", "Running"},
	"status.loaded":          {"已导入", "Loaded"},
	"status.partial":         {"部分导入", "Partly loaded"},
	"status.rejected":        {"已拒绝", "Rejected"},
	"status.failed":          {"失败", "Failed"},
	"import.files":           {"文件", "Files"},
	"import.name":            {"文件名", "File"},
	"import.kind":            {"类型", "Kind"},
	"import.rows":            {"读取行数", "Rows read"},
	"import.loaded":          {"已导入", "Loaded"},
	"import.rejected":        {"错误行", "Bad rows"},
	"import.skipped":         {"已跳过（与已导入文件相同）", "Skipped (same as a file already loaded)"},
	"import.errors":          {"错误报告", "Error report"},
	"import.error_count":     {"共 %s 个问题", "%s problems"},
	"import.no_errors":       {"没有发现错误。", "No problem found."},
	"import.download":        {"下载错误报告（CSV）", "Download the error report (CSV)"},
	"import.err_file":        {"文件", "File"},
	"import.err_line":        {"行", "Line"},
	"import.err_column":      {"列", "Column"},
	"import.err_value":       {"值", "Value"},
	"import.err_reason":      {"原因", "Reason"},
	"import.progress":        {"导入进度", "Progress"},
	"import.progress_rows":   {"%s：已读取 %s 行", "%s: %s rows read"},
	"import.progress_bytes":  {"%s / %s", "%s of %s"},
	"import.waiting":         {"正在准备……", "Getting ready…"},
	"import.running_note":    {"导入在后台进行，您可以离开此页面，稍后再回来查看。", "The import runs in the background: you can leave this page and come back later."},
	"import.kind.entities":   {"主体", "entities"},
	"import.kind.ownership":  {"持股", "ownership"},
	"import.kind.metrics":    {"指标", "metrics"},
	"import.kind.exposures":  {"风险暴露", "exposures"},
	"import.kind.payments":   {"交易流水", "payments"},
	"import.kind.fx":         {"汇率", "fx"},
	"import.quarantine_on":   {"隔离错误行", "bad rows quarantined"},

	"audit.title":                        {"审计", "Audit"},
	"audit.intro":                        {"每一次变更（导入、登录、用户与令牌变更、导出）都记录为一个审计事件，并以 SHA-256 与前一事件相链，任何事后修改都会被发现。", "Every change (imports, sign-ins, user and token changes, exports) is recorded as an audit event, chained to the one before by SHA-256, so that any later edit shows."},
	"audit.total":                        {"共 %s 个事件", "%s events"},
	"audit.action":                       {"操作", "Action"},
	"audit.actor":                        {"操作人", "Actor"},
	"audit.actor_hint":                   {"登录名，或 cli、system", "A login, or cli, system"},
	"audit.any":                          {"全部", "Any"},
	"audit.filter":                       {"筛选", "Filter"},
	"audit.reset":                        {"清除", "Reset"},
	"audit.seq":                          {"序号", "No."},
	"audit.time":                         {"时间（UTC）", "Time (UTC)"},
	"audit.object":                       {"对象", "Object"},
	"audit.before":                       {"变更前", "Before"},
	"audit.after":                        {"变更后", "After"},
	"audit.show":                         {"展开（%s 字节）", "Show (%s bytes)"},
	"audit.hash":                         {"哈希", "Hash"},
	"audit.empty":                        {"没有符合条件的审计事件。登录、导入、导出和用户变更发生后会在此列出；请修改筛选条件。", "No audit event matches. Sign-ins, imports, exports and user changes are listed here as they happen; change the filters to see more."},
	"audit.verify":                       {"验证哈希链", "Verify the chain"},
	"audit.verify_hint":                  {"逐一重新计算全部事件的哈希，也可在服务器上运行 kamp audit verify。", "Recomputes the hash of every event; on the server, kamp audit verify does the same."},
	"audit.intact":                       {"哈希链完整：%s 个事件均未被篡改。", "The chain is intact: %s events, none altered."},
	"audit.broken":                       {"哈希链在第 %d 号事件处断开：%s", "The chain is broken at event %d: %s"},
	"audit.checked_before":               {"此前的 %s 个事件完好。请保留数据库现状并通知信息安全部门。", "The %s events before it are intact. Keep the database as it is and tell information security."},
	"audit.broken.missing":               {"该事件缺失（已被删除）。", "the event is missing (deleted)."},
	"audit.broken.prev_hash":             {"它记录的前一哈希与第 %d 号事件的哈希不一致。", "its previous hash does not match the hash of event %d."},
	"audit.broken.hash":                  {"它的内容与哈希不一致，记录后被修改过。", "its contents do not match its hash: it was changed after it was recorded."},
	"audit.broken.head":                  {"它与审计链末端的记录不一致：该事件是事后加入或改写的。", "it does not match the end of the chain as recorded: it was added or rewritten afterwards."},
	"audit.action.import.loaded":         {"导入完成", "Import loaded"},
	"audit.action.import.partial":        {"部分导入", "Import partly loaded"},
	"audit.action.import.rejected":       {"导入被拒绝", "Import rejected"},
	"audit.action.import.failed":         {"导入失败", "Import failed"},
	"audit.action.user.login":            {"登录", "Signed in"},
	"audit.action.user.login_failed":     {"登录失败", "Sign-in failed"},
	"audit.action.user.logout":           {"退出", "Signed out"},
	"audit.action.user.created":          {"新增用户", "User created"},
	"audit.action.user.password_changed": {"修改密码", "Password changed"},
	"audit.action.token.created":         {"签发 API 令牌", "API token issued"},
	"audit.action.token.revoked":         {"吊销 API 令牌", "API token revoked"},
	"audit.action.export":                {"导出数据", "Data exported"},
	"audit.object.user":                  {"用户", "User"},
	"audit.object.import":                {"导入批次", "Import batch"},
	"audit.object.api_token":             {"API 令牌", "API token"},
	"audit.object.entities":              {"主体列表", "Entity list"},

	// Corporate groups (集团).
	"groups.title":           {"集团", "Corporate groups"},
	"groups.filter":          {"筛选", "Filter"},
	"groups.reset":           {"重置", "Reset"},
	"groups.min_size":        {"成员数不少于", "Members at least"},
	"groups.max_size":        {"成员数不多于", "Members at most"},
	"groups.min_depth":       {"层级深度不少于", "Depth at least"},
	"groups.max_depth":       {"层级深度不多于", "Depth at most"},
	"groups.status":          {"风险暴露状态", "Exposure status"},
	"groups.has_cycle":       {"含控制环", "Has a control cycle"},
	"groups.has_conflict":    {"含控制冲突", "Has a conflict"},
	"groups.sort":            {"排序", "Sort by"},
	"groups.any":             {"不限", "Any"},
	"groups.yes":             {"是", "Yes"},
	"groups.no":              {"否", "No"},
	"groups.total":           {"共 %s 个集团", "%s groups in total"},
	"groups.export_csv":      {"导出限额报表 CSV", "Export limits report (CSV)"},
	"groups.export_xls":      {"导出限额报表 Excel", "Export limits report (Excel)"},
	"groups.empty":           {"暂无集团数据——请导入 entities.csv 与 ownership.csv（或使用演示银行），导入完成后系统会自动计算集团。", "No groups yet — import entities.csv and ownership.csv (or start with the demo bank); groups are computed automatically after the import."},
	"groups.none_match":      {"没有符合筛选条件的集团。", "No group matches the filters."},
	"groups.root":            {"集团根", "Group root"},
	"groups.members":         {"成员数", "Members"},
	"groups.clients":         {"客户数", "Clients"},
	"groups.depth":           {"层级深度", "Depth"},
	"groups.cycles":          {"控制环成员", "Cycle members"},
	"groups.conflicts":       {"控制冲突", "Conflicts"},
	"groups.exposure":        {"风险暴露", "Exposure"},
	"groups.pct_tier1":       {"占一级资本净额", "Of tier-1 capital"},
	"groups.limit":           {"限额", "Limit"},
	"groups.headroom":        {"剩余额度", "Headroom"},
	"groups.no_tier1":        {"未配置一级资本净额（KAMP_TIER1_CAPITAL），不做限额判断。", "Tier-1 capital is not configured (KAMP_TIER1_CAPITAL): no limit is checked."},
	"groups.run":             {"最近一次计算：%s，%s 个主体，%s 个集团（两个及以上成员），%s 个控制环，%s 个控制冲突。", "Last computed %s: %s entities, %s groups of two or more, %s control cycles, %s conflicts."},
	"groups.never":           {"集团尚未计算。", "Groups have not been computed yet."},
	"groups.running":         {"正在重新计算集团：%s", "Recomputing the groups: %s"},
	"groups.failed":          {"最近一次集团计算失败：%s", "The last group computation failed: %s"},
	"groups.history":         {"计算批次记录", "Run history"},
	"groups.run_started":     {"开始时间", "Started"},
	"groups.run_finished":    {"结束时间", "Finished"},
	"groups.run_status":      {"状态", "Status"},
	"groups.run_entities":    {"主体数", "Entities"},
	"groups.run_groups":      {"集团数", "Groups"},
	"groups.run_cycles":      {"控制环", "Control cycles"},
	"groups.run_message":     {"说明", "Message"},
	"groups.run.running":     {"计算中", "Running"},
	"groups.run.done":        {"完成", "Done"},
	"groups.run.failed":      {"失败", "Failed"},
	"groups.stage.load":      {"读取数据", "reading the data"},
	"groups.stage.compute":   {"计算控制关系", "computing control"},
	"groups.stage.save":      {"保存结果", "saving the results"},
	"groups.stage.done":      {"完成", "done"},
	"groups.sort.-members":   {"成员数（多到少）", "Members (most first)"},
	"groups.sort.members":    {"成员数（少到多）", "Members (fewest first)"},
	"groups.sort.-exposure":  {"风险暴露（高到低）", "Exposure (highest first)"},
	"groups.sort.exposure":   {"风险暴露（低到高）", "Exposure (lowest first)"},
	"groups.sort.-depth":     {"层级深度（深到浅）", "Depth (deepest first)"},
	"groups.sort.depth":      {"层级深度（浅到深）", "Depth (shallowest first)"},
	"groups.sort.id":         {"集团编号", "Group id"},
	"gstatus.ok":             {"正常", "Within limit"},
	"gstatus.large":          {"大额风险暴露", "Large exposure"},
	"gstatus.near":           {"接近限额", "Near the limit"},
	"gstatus.breach":         {"超限额", "Above the limit"},
	"gstatus.none":           {"未判断", "Not checked"},
	"gstatus.":               {"未判断", "Not checked"},
	"group.figures":          {"关键指标", "Key figures"},
	"group.limit_section":    {"风险暴露与限额", "Exposure against the limit"},
	"group.limit_text":       {"集团风险暴露 %s，限额为一级资本净额的 %s（%s），剩余额度 %s。", "Group exposure %s against a limit of %s of tier-1 capital (%s): headroom %s."},
	"group.regime":           {"监管口径", "Rules"},
	"group.indicators":       {"成员指标合计", "Members' indicators summed"},
	"group.indicators_note":  {"%s 期，%s 个成员有数据；外币按期末汇率折算为人民币。", "Period %s, %s members with data; other currencies converted to CNY at the period-end rate."},
	"group.indicators_none":  {"成员暂无指标数据——导入 metrics.csv 后显示。", "No member has metrics yet — they appear once metrics.csv is imported."},
	"group.graph":            {"股权结构图", "Ownership graph"},
	"group.graph_nojs":       {"股权结构图需要启用 JavaScript；成员及其控制人见下表。", "The graph needs JavaScript; the members and their controllers are in the table below."},
	"group.members":          {"集团成员", "Members"},
	"group.member":           {"成员", "Member"},
	"group.flags":            {"标记", "Flags"},
	"group.in_cycle":         {"控制环", "Cycle"},
	"group.conflict":         {"冲突", "Conflict"},
	"group.path_link":        {"控制路径", "Control path"},
	"group.path_title":       {"%s 的控制路径", "Control path of %s"},
	"groups.controller":      {"直接控制人", "Controller"},
	"groups.path_step":       {"%s 控制 %s：%s", "%s controls %s: %s"},
	"groups.path_holds_self": {"%s 持有 %s", "%s holds %s"},
	"groups.path_holds_sub":  {"%[2]s 控制的 %[1]s 持有 %[3]s", "%[1]s, which %[2]s controls, holds %[3]s"},
	"groups.path_agr_self":   {"%s 通过协议控制", "%s controls it by agreement"},
	"groups.path_agr_sub":    {"%[2]s 控制的 %[1]s 通过协议控制", "%[1]s, which %[2]s controls, controls it by agreement"},
	"groups.path_plus_agr":   {"（另有协议控制）", " (and by agreement)"},
	"groups.path_and":        {"，", " and "},
	"groups.path_total":      {"，合计 %s", ", %s in all"},
	"groups.path_none":       {"该主体没有控制人，是集团的根。", "This entity has no controller: it is the group's root."},
	"groups.path_conflict":   {"该主体的最近控制人不唯一（控制冲突），因此不归属任何控制人。", "This entity's nearest controller is not unique (a conflict), so it keeps no controller."},
	"groups.path_outside":    {"该主体的控制关系涉及集团以外的主体，无法在集团内说明。", "This entity's control runs through entities outside the group and cannot be shown within it."},
	"groups.graph_title":     {"%s 集团股权结构", "Ownership of the %s group"},
	"groups.graph_root":      {"集团根", "Root"},
	"groups.graph_client":    {"客户", "Client"},
	"groups.graph_nonclient": {"非客户", "Not a client"},
	"groups.graph_truncated": {"成员较多，图中只显示离集团根最近的 %d 个（共 %d 个）；完整名单见成员表。", "A large group: the graph shows the %d members nearest the root (of %d); the table lists all."},
	"entity.group":           {"集团", "Group"},
}

// T returns the message key in lang, formatted with args. A missing key
// returns the key itself, so a gap shows up on the page and in tests rather
// than as an empty string.
func T(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	s := m.zh
	if lang == LangEN {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// HasMessage reports whether the catalogue has key.
func HasMessage(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// UnitLabel returns how unit u of currency reads in lang: "万元", "亿元",
// "元" for CNY; "万 USD", "×10k USD", "USD" for others.
func UnitLabel(lang string, u Unit, currency string) string {
	key := "unit.yuan"
	switch u {
	case UnitWan, UnitAuto:
		key = "unit.wan"
	case UnitYi:
		key = "unit.yi"
	}
	if currency == "" || currency == "CNY" {
		return T(lang, key)
	}
	return T(lang, key+".other", currency)
}
