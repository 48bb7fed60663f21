package transfer

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Field names a column the importers understand.
type Field string

// The fields of revenue and account files.
const (
	FieldAccount     Field = "account"
	FieldAccountName Field = "account_name"
	FieldDate        Field = "date"
	FieldAmount      Field = "amount"
	FieldQuantity    Field = "quantity"
	FieldUnitPrice   Field = "unit_price"
	FieldClass       Field = "class"
	FieldProduct     Field = "product"
	FieldRegion      Field = "region"
	FieldIndustry    Field = "industry"
	FieldType        Field = "type"
	FieldListed      Field = "listed"
	FieldLeader      Field = "leader"
	FieldPotential   Field = "potential"
)

// RevenueFields are the columns of a revenue file, in the order MapColumns
// resolves them.
var RevenueFields = []Field{
	FieldAccount, FieldAccountName, FieldDate, FieldAmount, FieldQuantity,
	FieldUnitPrice, FieldClass, FieldProduct, FieldRegion, FieldIndustry, FieldType,
}

// AccountFields are the columns of an account file.
var AccountFields = []Field{
	FieldAccount, FieldAccountName, FieldRegion, FieldIndustry, FieldType,
	FieldListed, FieldLeader, FieldPotential,
}

// AllFields lists every field, for messages and ParseColumnFlag.
var AllFields = []Field{
	FieldAccount, FieldAccountName, FieldDate, FieldAmount, FieldQuantity,
	FieldUnitPrice, FieldClass, FieldProduct, FieldRegion, FieldIndustry,
	FieldType, FieldListed, FieldLeader, FieldPotential,
}

// Header synonyms, best first: when two columns match one field, a column
// named by the first synonym wins and any other tie is reported as ambiguous.
// The lists differ by file kind on purpose. In a revenue file a bare 编号,
// 代码 or 名称 is more often the document number or the product than the
// customer, so only customer-qualified headers name the account there; and
// 类型/type is the revenue class in a revenue file but the account type in an
// account file. Words from 用友 and 金蝶 exports (往来单位, 客商, 存货, 价税合计,
// 本币…) are included.
var (
	revenueSynonyms = map[Field][]string{
		FieldAccount: {"客户编号", "客户编码", "客户代码", "客户ID", "客户号", "客户代号",
			"往来单位编码", "往来单位编号", "单位编码", "客商编码", "购货单位编码", "购方编码",
			"account", "account_code", "account_id", "customer_code", "customer_id",
			"customer_no", "client_code", "client_id"},
		FieldAccountName: {"客户名称", "客户", "客户全称", "往来单位", "往来单位名称", "单位名称",
			"客商名称", "客商", "购货单位", "购方名称", "购买方名称",
			"customer", "customer_name", "account_name", "client", "client_name"},
		FieldDate: {"日期", "单据日期", "开票日期", "订单日期", "交易日期", "发货日期", "出库日期",
			"业务日期", "记账日期", "销售日期", "下单日期", "月份", "年月", "期间", "会计期间",
			"date", "invoice_date", "order_date", "transaction_date", "month", "period"},
		FieldAmount: {"金额", "销售额", "收入", "含税金额", "价税合计", "销售金额", "营业额", "总额",
			"总金额", "合计金额", "开票金额", "收入金额", "销售收入", "本币金额", "本币价税合计",
			"无税金额", "不含税金额", "金额(含税)", "金额(不含税)",
			"amount", "revenue", "sales", "total", "total_amount", "sales_amount"},
		FieldQuantity:  {"数量", "销量", "销售数量", "出库数量", "发货数量", "开票数量", "qty", "quantity"},
		FieldUnitPrice: {"单价", "价格", "含税单价", "销售单价", "无税单价", "本币单价", "unit_price", "price"},
		FieldClass: {"类别", "类型", "收入类别", "收入类型", "产品/服务", "业务类型",
			"class", "category", "type", "revenue_class", "revenue_type"},
		FieldProduct: {"产品", "产品名称", "商品", "商品名称", "品名", "物料", "物料名称", "存货名称",
			"存货", "货品名称", "product", "product_name", "sku", "item", "item_name"},
	}
	accountSynonyms = map[Field][]string{
		FieldAccount: {"客户编号", "客户编码", "客户代码", "客户ID", "客户号", "客户代号", "编号",
			"编码", "代码", "往来单位编码", "客商编码", "account", "account_code", "account_id",
			"customer_code", "customer_id", "customer_no", "client_code", "code", "id"},
		FieldAccountName: {"客户名称", "客户", "名称", "客户全称", "往来单位", "往来单位名称",
			"单位名称", "客商名称", "公司名称", "企业名称", "customer", "customer_name",
			"account_name", "client_name", "company", "name"},
		FieldRegion: {"区域", "地区", "大区", "省份", "城市", "所属区域", "销售区域", "所在地区",
			"省", "市", "region", "area", "province", "city", "territory"},
		FieldIndustry: {"行业", "所属行业", "行业分类", "行业类别", "industry", "sector"},
		FieldType: {"客户类型", "类型", "客户类别", "客户分类", "客户性质", "type",
			"customer_type", "account_type"},
		FieldListed: {"是否上市", "上市", "上市公司", "是否上市公司", "listed", "is_listed"},
		FieldLeader: {"行业龙头", "龙头", "是否龙头", "是否行业龙头", "龙头企业", "leader",
			"industry_leader", "is_leader"},
		FieldPotential: {"潜在年采购额", "潜力", "年采购潜力", "采购潜力", "年采购额", "潜在采购额",
			"预计年采购额", "potential", "potential_spend", "annual_potential"},
	}
	revenueKeys = normalizeSynonyms(revenueSynonyms)
	accountKeys = normalizeSynonyms(accountSynonyms)
)

func normalizeSynonyms(m map[Field][]string) map[Field][]string {
	out := make(map[Field][]string, len(m))
	for f, list := range m {
		for _, s := range list {
			out[f] = append(out[f], parseHeader(s).key)
		}
	}
	return out
}

// header is a header cell taken apart for matching.
type header struct {
	key     string // folded: lowercase, no spaces or _-., full-width to ASCII
	unit    string // the unit in brackets, if one was recognised
	pow     int    // the unit is 10^pow 元 (万元 is 4)
	foreign bool   // the unit is a currency other than 元
}

// Units found in brackets at the end of a header: "金额（元）", "数量(件)",
// "潜在年采购额（万元）". Yuan and counting units are dropped for matching;
// 万元 and the like set pow so amounts can be scaled exactly; a foreign
// currency cannot be imported as 元 and is reported.
var (
	unitPow = map[string]int{
		"元": 0, "人民币": 0, "人民币元": 0, "rmb": 0, "cny": 0, "¥": 0, "￥": 0, "yuan": 0,
		"元/件": 0, "元/个": 0, "元/台": 0, "元/套": 0,
		"千元": 3, "万": 4, "万元": 4, "万元人民币": 4, "人民币万元": 4, "百万": 6, "百万元": 6,
		"亿": 8, "亿元": 8,
	}
	countUnits = map[string]bool{
		"件": true, "个": true, "台": true, "套": true, "箱": true, "瓶": true, "支": true,
		"盒": true, "包": true, "只": true, "张": true, "吨": true, "kg": true, "千克": true,
		"公斤": true, "pcs": true, "pc": true,
	}
	foreignUnits = map[string]bool{
		"美元": true, "usd": true, "us$": true, "$": true, "港币": true, "港元": true, "hkd": true,
		"欧元": true, "eur": true, "日元": true, "jpy": true, "英镑": true, "gbp": true,
		"万美元": true,
	}
)

func parseHeader(s string) header {
	var b strings.Builder
	for _, r := range strings.TrimFunc(s, isSpace) {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == '【' || r == '〔':
			r = '['
		case r == '】' || r == '〕':
			r = ']'
		}
		if isSpace(r) || r == '_' || r == '-' || r == '.' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	k := b.String()
	// Templates mark required columns with * and some add a colon.
	k = strings.TrimLeft(k, "*")
	k = strings.TrimRight(k, ":")
	h := header{key: k}
	open, close := byte('('), byte(')')
	if strings.HasSuffix(k, "]") {
		open, close = '[', ']'
	}
	if !strings.HasSuffix(k, string(close)) {
		return h
	}
	i := strings.LastIndexByte(k, open)
	if i <= 0 {
		return h
	}
	unit, base := k[i+1:len(k)-1], k[:i]
	if pow, ok := unitPow[unit]; ok {
		h.key, h.unit, h.pow = base, unit, pow
	} else if countUnits[unit] || strings.Contains(unit, "yyyy") || strings.Contains(unit, "yy/") {
		h.key = base
	} else if foreignUnits[unit] {
		h.key, h.unit, h.foreign = base, unit, true
	}
	return h
}

// Mapping tells which column holds each field.
type Mapping struct {
	// Index maps a field to its 0-based column; absent fields have no column.
	Index map[Field]int
	// Header is the file's header row.
	Header []string
	// Scale gives, for amount and potential columns whose header states a unit
	// such as 万元, the power of ten to pass to ParseAmountScale; absent is 0.
	Scale map[Field]int
}

// Column names the column of f for messages: `金额 (column D)`. It returns the
// field name when f has no column.
func (m Mapping) Column(f Field) string {
	i, ok := m.Index[f]
	if !ok || i >= len(m.Header) {
		return string(f)
	}
	return columnName(m.Header, i)
}

func columnName(h []string, i int) string {
	name := ""
	if i < len(h) {
		name = strings.TrimFunc(h[i], isSpace)
	}
	if name == "" {
		return "column " + ColumnLetter(i)
	}
	return name + " (column " + ColumnLetter(i) + ")"
}

// ColumnLetter returns the spreadsheet letter of the 0-based column i: A … Z,
// AA … AZ, BA ….
func ColumnLetter(i int) string {
	if i < 0 {
		return "?"
	}
	var buf [8]byte
	n := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		buf[n] = byte('A' + (i-1)%26)
	}
	return string(buf[n:])
}

// MappingError explains why the columns of a file cannot be mapped. Code is a
// stable identifier for translation:
//
//   - duplicate_header: Header appears in all of Columns, and the field needs it
//   - missing_field: no column for Field; Choices are the headers accepted
//   - missing_amount: no amount column and not both quantity and unit_price
//   - unknown_header: an explicit mapping names Header, which is not in the
//     file; Choices are the file's headers
//   - unknown_field: an explicit mapping or flag names a field this file kind
//     does not use; Choices are the valid fields
//   - ambiguous: all of Columns could be Field; choose one explicitly
//   - unit_not_yuan: the column in Columns states a unit (Header) that cannot
//     be imported for Field: a foreign currency, or a scale such as 万 on a
//     column other than amount and potential
//   - bad_column_flag: an explicit mapping is not of the form field=header
type MappingError struct {
	Code    string
	Field   Field
	Header  string
	Columns []int
	Choices []string
	header  []string
}

func (e *MappingError) Error() string {
	cols := make([]string, len(e.Columns))
	for k, i := range e.Columns {
		cols[k] = columnName(e.header, i)
	}
	switch e.Code {
	case "duplicate_header":
		return "header " + strconv.Quote(e.Header) + " appears more than once (" + strings.Join(cols, ", ") +
			"); rename one or map " + string(e.Field) + " to a column explicitly"
	case "missing_field":
		return "no column for " + string(e.Field) + "; expected a header such as " + strings.Join(e.Choices, ", ") +
			", or map it explicitly (" + string(e.Field) + "=<header>)"
	case "missing_amount":
		return "no amount column (" + strings.Join(e.Choices, ", ") + ") and not both quantity and unit_price columns"
	case "unknown_header":
		return "no column named " + strconv.Quote(e.Header) + " for " + string(e.Field) +
			"; the file's columns are: " + strings.Join(e.Choices, ", ")
	case "unknown_field":
		return "unknown field " + strconv.Quote(string(e.Field)) + "; valid fields are: " + strings.Join(e.Choices, ", ")
	case "ambiguous":
		return "columns " + strings.Join(cols, " and ") + " could all be " + string(e.Field) +
			"; choose one explicitly (" + string(e.Field) + "=<header>)"
	case "unit_not_yuan":
		return strings.Join(cols, ", ") + " is in " + e.Header + "; convert it to 元 (or single units) before importing"
	case "bad_column_flag":
		return "column mapping " + strconv.Quote(e.Header) + " is not of the form field=header (amount=销售额)"
	}
	return e.Code
}

// ParseColumnFlag parses an explicit mapping such as "amount=销售额", as given
// on the command line or in the upload form.
func ParseColumnFlag(s string) (Field, string, error) {
	name, h, ok := strings.Cut(s, "=")
	f := Field(strings.ToLower(strings.TrimSpace(name)))
	h = strings.TrimFunc(h, isSpace)
	switch {
	case !ok || h == "":
		return "", "", &MappingError{Code: "bad_column_flag", Header: s}
	case !slices.Contains(AllFields, f):
		return "", "", &MappingError{Code: "unknown_field", Field: f, Choices: fieldNames(AllFields)}
	}
	return f, h, nil
}

func fieldNames(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

// MapColumns finds the column of each field in fields. Explicit mappings
// (field → header text) come first and must name a header of the file;
// the other fields are found by header synonyms, case-insensitively and
// ignoring spaces, full-width forms and a unit in brackets ("金额（元）").
// Fields are resolved in the order given and a column serves one field.
//
// When fields includes date the revenue rules and synonyms apply: account,
// date and either amount or both quantity and unit_price are required.
// Otherwise the account rules apply: account and account_name are required.
// All problems are returned together (errors.Join of *MappingError).
// Duplicated headers are reported only when a field needs one of them.
func MapColumns(hdr []string, explicit map[Field]string, fields []Field) (Mapping, error) {
	revenue := slices.Contains(fields, FieldDate)
	keys, display := accountKeys, accountSynonyms
	if revenue {
		keys, display = revenueKeys, revenueSynonyms
	}
	hs := make([]header, len(hdr))
	for i, h := range hdr {
		hs[i] = parseHeader(h)
	}
	m := Mapping{Index: map[Field]int{}, Header: hdr, Scale: map[Field]int{}}
	var errs []error
	reported := map[Field]bool{} // fields with an error already: not "missing" too
	fail := func(e *MappingError) {
		e.header = hdr
		errs = append(errs, e)
		reported[e.Field] = true
	}
	taken := make([]bool, len(hdr))

	for _, f := range slices.Sorted(maps.Keys(explicit)) {
		if !slices.Contains(fields, f) {
			fail(&MappingError{Code: "unknown_field", Field: f, Choices: fieldNames(fields)})
		}
	}
	for _, f := range fields {
		want, ok := explicit[f]
		if !ok {
			continue
		}
		want = strings.TrimFunc(want, isSpace)
		var cols []int
		for i, h := range hdr {
			if strings.TrimFunc(h, isSpace) == want {
				cols = append(cols, i)
			}
		}
		if len(cols) == 0 {
			// Forgive case, width and spacing, but only when that is unambiguous.
			w := parseHeader(want)
			for i, h := range hs {
				if h == w {
					cols = append(cols, i)
				}
			}
		}
		switch {
		case len(cols) == 0:
			var names []string
			for i, h := range hdr {
				names = append(names, ColumnLetter(i)+" "+strings.TrimFunc(h, isSpace))
			}
			fail(&MappingError{Code: "unknown_header", Field: f, Header: want, Choices: names})
		case len(cols) > 1:
			fail(&MappingError{Code: "duplicate_header", Field: f, Header: want, Columns: cols})
		default:
			m.assign(f, cols[0], hs[cols[0]], fail)
			taken[cols[0]] = true
		}
	}

	for _, f := range fields {
		if _, ok := explicit[f]; ok {
			continue
		}
		syn := keys[f]
		if syn == nil {
			syn = revenueKeys[f]
			if syn == nil {
				syn = accountKeys[f]
			}
		}
		best, bestRank := []int(nil), len(syn)
		var all []int
		for i, h := range hs {
			if taken[i] {
				continue
			}
			r := slices.Index(syn, h.key)
			if r < 0 {
				continue
			}
			all = append(all, i)
			switch {
			case r < bestRank:
				best, bestRank = []int{i}, r
			case r == bestRank:
				best = append(best, i)
			}
		}
		if len(all) == 0 {
			continue
		}
		switch {
		case len(best) > 1:
			// The same header twice: a copy-paste accident, not a choice.
			fail(&MappingError{Code: "duplicate_header", Field: f, Header: strings.TrimFunc(hdr[best[0]], isSpace), Columns: best})
			continue
		case len(all) > 1 && bestRank != 0:
			fail(&MappingError{Code: "ambiguous", Field: f, Columns: all})
			continue
		}
		m.assign(f, best[0], hs[best[0]], fail)
		taken[best[0]] = true
	}

	has := func(f Field) bool { _, ok := m.Index[f]; return ok }
	explicitOK := func(f Field) bool { _, ok := explicit[f]; return ok }
	need := func(f Field) {
		if slices.Contains(fields, f) && !has(f) && !explicitOK(f) && !reported[f] {
			fail(&MappingError{Code: "missing_field", Field: f, Choices: synonymsFor(display, f)})
		}
	}
	need(FieldAccount)
	if revenue {
		need(FieldDate)
		if slices.Contains(fields, FieldAmount) && !has(FieldAmount) && !explicitOK(FieldAmount) &&
			!(has(FieldQuantity) && has(FieldUnitPrice)) &&
			!reported[FieldAmount] && !reported[FieldQuantity] && !reported[FieldUnitPrice] {
			fail(&MappingError{Code: "missing_amount", Field: FieldAmount, Choices: synonymsFor(display, FieldAmount)})
		}
	} else {
		need(FieldAccountName)
	}
	if len(errs) == 1 {
		return m, errs[0]
	}
	if len(errs) > 1 {
		return m, errors.Join(errs...)
	}
	return m, nil
}

func synonymsFor(display map[Field][]string, f Field) []string {
	if s, ok := display[f]; ok {
		return s
	}
	if s, ok := revenueSynonyms[f]; ok {
		return s
	}
	return accountSynonyms[f]
}

// assign maps f to column i after checking the column's unit suits f.
func (m *Mapping) assign(f Field, i int, h header, fail func(*MappingError)) {
	switch {
	case h.foreign || (h.pow != 0 && f != FieldAmount && f != FieldPotential):
		fail(&MappingError{Code: "unit_not_yuan", Field: f, Header: h.unit, Columns: []int{i}})
		return
	case h.pow != 0:
		m.Scale[f] = h.pow
	}
	m.Index[f] = i
}

// ColumnNames names the columns the error is about, as header and letter.
func (e *MappingError) ColumnNames() []string {
	out := make([]string, len(e.Columns))
	for k, i := range e.Columns {
		out[k] = columnName(e.header, i)
	}
	return out
}
