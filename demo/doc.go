// Package demo generates a synthetic demo bank: the six interchange files of
// data-formats.md (entities.csv, ownership.csv, metrics.csv, exposures.csv,
// payments.csv, fx.csv) for a Chinese commercial bank, realistic enough to
// show every screen of kamp and to exercise every rule of its engines.
//
// Sizes: S has 100,000 entities and 1,000,000 payments, M ten times that, L a
// hundred times. Generation streams and is deterministic: the same seed and
// counts give byte-identical files, on any machine.
//
// # What is in it
//
//   - Entities (ids E0000001...): about 70% clients. Chinese company names
//     from a region, a two-character brand, an industry word and a legal form
//     (北京华信科技有限公司, 华信科技（北京）有限公司, …集团有限公司), unique and with
//     unique match keys (engines.md §3); branch offices (…有限公司上海分公司);
//     persons heading private groups or holding minority stakes; fifteen
//     state-owned-assets bodies (kind state) above state groups; foreign
//     companies in HK, SG, US, DE, GB and JP with LEIs. Valid USCCs for most
//     domestic companies, GB/T 4754-2017 industry codes that fit the name.
//   - Ownership: groups of depth 1 to 6 with heavy-tailed sizes (most 2-10,
//     a few with thousands at size M), majority, split (cumulative), and
//     agreement control, outsiders' minority stakes, and in every bundle of
//     special cases a two-company cross-holding cycle, a three-company ring
//     under a person's agreement, a company that controls itself only
//     through its subsidiaries (no cycle), a controller conflict and a 50/50
//     joint venture. State groups under the same state body stay separate.
//   - Metrics for period 2026-10 (about 2% of clients have none), foreign
//     clients in their own currency, a custom indicator intl_settlement;
//     unit values are lognormal so that the top 5% of units hold about half
//     the score and the top 20% about four fifths.
//   - Exposures (loan, bond, guarantee, trade_finance, bill) that follow the
//     loan balances; FX month-end rates for USD, EUR, HKD, JPY, GBP and SGD
//     from October 2025 to October 2026.
//   - Payments from 2025-11-01 to 2026-10-31 between clients and their
//     recurring suppliers and customers: other clients, group members,
//     non-clients and firms unknown to the bank (prospects). About a fifth
//     of the sides are given by name only, written the ways payment systems
//     write names (half-width brackets, spaces, 有限责任公司), which the match
//     key maps back to the entity.
//
// # Org units
//
// The branch column holds codes of the demo bank's org units (OrgUnits lists
// them with their names; the organisation feature seeds the same codes):
//
//	HO    总行 (head office: the largest groups, some foreign entities)
//	BJ    北京分行, sub-branches BJ01-BJ12 (东城, 西城, 朝阳, 海淀, 丰台, 石景山,
//	      通州, 顺义, 昌平, 大兴, 亦庄, 中关村)
//	SH    上海分行, SH01-SH12 (黄浦, 徐汇, 长宁, 静安, 普陀, 虹口, 杨浦, 闵行,
//	      宝山, 嘉定, 浦东, 松江)
//	SZ    深圳分行, SZ01-SZ10 (福田, 罗湖, 南山, 宝安, 龙岗, 龙华, 盐田, 前海,
//	      光明, 坪山)
//	JS    江苏分行, JS01-JS10 (南京鼓楼, 南京新街口, 南京江宁, 苏州工业园区, 苏州,
//	      无锡, 常州, 南通, 扬州, 徐州)
//	ZJ    浙江分行, ZJ01-ZJ10 (杭州西湖, 杭州滨江, 杭州萧山, 宁波, 温州, 绍兴,
//	      嘉兴, 金华, 台州, 义乌)
//	GD    广东分行, GD01-GD10 (广州天河, 广州越秀, 广州海珠, 广州番禺, 佛山, 东莞,
//	      珠海, 中山, 惠州, 江门)
//	SC    四川分行, SC01-SC08 (成都高新, 成都锦江, 成都武侯, 成都天府, 绵阳, 德阳,
//	      宜宾, 乐山)
//	HB    湖北分行, HB01-HB08 (武汉江汉, 武汉武昌, 武汉汉阳, 武汉东湖, 宜昌, 襄阳,
//	      荆州, 黄石)
//	SD    山东分行, SD01-SD08 (济南历下, 济南高新, 青岛市南, 青岛崂山, 烟台, 潍坊,
//	      淄博, 临沂)
//
// Sub-branch names are the place followed by 支行 (北京海淀支行 is BJ04).
package demo
