package transfer

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestColumnLetter(t *testing.T) {
	for _, tc := range []struct {
		i    int
		want string
	}{
		{0, "A"}, {3, "D"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {51, "AZ"}, {52, "BA"},
		{701, "ZZ"}, {702, "AAA"}, {16383, "XFD"}, {-1, "?"},
	} {
		if got := ColumnLetter(tc.i); got != tc.want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", tc.i, got, tc.want)
		}
	}
}

func TestMapColumns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		header   []string
		explicit map[Field]string
		fields   []Field
		want     map[Field]int
		scale    map[Field]int
	}{
		{
			name:   "chinese revenue",
			header: []string{"客户编号", "客户名称", "日期", "金额(元)", "类别", "产品"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldAccountName: 1, FieldDate: 2, FieldAmount: 3, FieldClass: 4, FieldProduct: 5},
		},
		{
			name:   "english revenue, case and spacing",
			header: []string{"Customer ID", "Customer_Name", "Invoice Date", "AMOUNT", "Category"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldAccountName: 1, FieldDate: 2, FieldAmount: 3, FieldClass: 4},
		},
		{
			name:   "full-width brackets and spaces",
			header: []string{" 客户编码 ", "开票日期", "价税合计（元）", "数量（件）", "单价（元/件）"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 2, FieldQuantity: 3, FieldUnitPrice: 4},
		},
		{
			name:   "quantity and price instead of amount",
			header: []string{"客户代码", "单据日期", "数量", "单价", "存货名称"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldDate: 1, FieldQuantity: 2, FieldUnitPrice: 3, FieldProduct: 4},
		},
		{
			name:   "用友 export",
			header: []string{"单据编号", "单据日期", "往来单位编码", "往来单位名称", "存货编码", "存货名称", "数量", "无税单价", "价税合计"},
			fields: RevenueFields,
			want: map[Field]int{FieldDate: 1, FieldAccount: 2, FieldAccountName: 3, FieldProduct: 5, FieldQuantity: 6,
				FieldUnitPrice: 7, FieldAmount: 8},
		},
		{
			name:   "month column",
			header: []string{"客户编号", "月份", "销售额"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 2},
		},
		{
			name:   "first synonym wins over a later one",
			header: []string{"客户编号", "日期", "含税金额", "金额"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 3},
		},
		{
			name:   "类型 is the class in a revenue file",
			header: []string{"客户编号", "日期", "金额", "类型"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 2, FieldClass: 3},
		},
		{
			name:   "类型 is the account type in an account file",
			header: []string{"编号", "名称", "类型", "行业", "区域", "是否上市", "行业龙头", "潜在年采购额"},
			fields: AccountFields,
			want: map[Field]int{FieldAccount: 0, FieldAccountName: 1, FieldType: 2, FieldIndustry: 3, FieldRegion: 4,
				FieldListed: 5, FieldLeader: 6, FieldPotential: 7},
		},
		{
			name:   "编号 is not the account in a revenue file",
			header: []string{"编号", "客户编号", "日期", "金额"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 1, FieldDate: 2, FieldAmount: 3},
		},
		{
			name:   "potential in 万元 is scaled",
			header: []string{"客户编号", "客户名称", "潜在年采购额（万元）", "*客户类型"},
			fields: AccountFields,
			want:   map[Field]int{FieldAccount: 0, FieldAccountName: 1, FieldPotential: 2, FieldType: 3},
			scale:  map[Field]int{FieldPotential: 4},
		},
		{
			name:     "explicit mapping wins and takes the column",
			header:   []string{"代码", "客户", "时间", "销售额", "金额"},
			explicit: map[Field]string{FieldAccount: "代码", FieldDate: "时间", FieldAmount: "销售额"},
			fields:   RevenueFields,
			want:     map[Field]int{FieldAccount: 0, FieldAccountName: 1, FieldDate: 2, FieldAmount: 3},
		},
		{
			name:     "explicit mapping forgives width and case",
			header:   []string{"Code", "Day", "Money（元）"},
			explicit: map[Field]string{FieldAccount: "code", FieldDate: "day", FieldAmount: "money(元)"},
			fields:   RevenueFields,
			want:     map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 2},
		},
		{
			name:     "one column for code and name",
			header:   []string{"客户", "日期", "金额"},
			explicit: map[Field]string{FieldAccount: "客户"},
			fields:   RevenueFields,
			want:     map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 2},
		},
		{
			name:   "duplicate header not needed is ignored",
			header: []string{"客户编号", "日期", "金额", "备注", "备注"},
			fields: RevenueFields,
			want:   map[Field]int{FieldAccount: 0, FieldDate: 1, FieldAmount: 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := MapColumns(tc.header, tc.explicit, tc.fields)
			if err != nil {
				t.Fatalf("MapColumns(%q) error: %v", tc.header, err)
			}
			if !maps.Equal(m.Index, tc.want) {
				t.Errorf("MapColumns(%q).Index = %v, want %v", tc.header, m.Index, tc.want)
			}
			if tc.scale == nil {
				tc.scale = map[Field]int{}
			}
			if !maps.Equal(m.Scale, tc.scale) {
				t.Errorf("MapColumns(%q).Scale = %v, want %v", tc.header, m.Scale, tc.scale)
			}
		})
	}
}

func TestMapColumnsErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		header   []string
		explicit map[Field]string
		fields   []Field
		codes    []string
		contains []string
	}{
		{
			name:     "missing account",
			header:   []string{"日期", "金额"},
			fields:   RevenueFields,
			codes:    []string{"missing_field"},
			contains: []string{"no column for account", "客户编号"},
		},
		{
			name:     "missing date and amount",
			header:   []string{"客户编号", "数量"},
			fields:   RevenueFields,
			codes:    []string{"missing_field", "missing_amount"},
			contains: []string{"no column for date", "not both quantity and unit_price"},
		},
		{
			name:     "account file needs a name",
			header:   []string{"客户编号", "行业"},
			fields:   AccountFields,
			codes:    []string{"missing_field"},
			contains: []string{"account_name"},
		},
		{
			name:     "duplicate header",
			header:   []string{"客户编号", "日期", "金额", "金额"},
			fields:   RevenueFields,
			codes:    []string{"duplicate_header"},
			contains: []string{`"金额"`, "金额 (column C)", "金额 (column D)"},
		},
		{
			name:     "ambiguous",
			header:   []string{"客户编号", "日期", "销售额", "价税合计"},
			fields:   RevenueFields,
			codes:    []string{"ambiguous"},
			contains: []string{"销售额 (column C) and 价税合计 (column D)", "amount=<header>"},
		},
		{
			name:     "unknown explicit header",
			header:   []string{"客户编号", "日期", "金额"},
			explicit: map[Field]string{FieldAmount: "销售额"},
			fields:   RevenueFields,
			codes:    []string{"unknown_header"},
			contains: []string{`"销售额"`, "A 客户编号, B 日期, C 金额"},
		},
		{
			name:     "explicit header duplicated",
			header:   []string{"客户编号", "日期", "钱", "钱"},
			explicit: map[Field]string{FieldAmount: "钱"},
			fields:   RevenueFields,
			codes:    []string{"duplicate_header"},
			contains: []string{"钱 (column C), 钱 (column D)"},
		},
		{
			name:     "explicit field not used by this kind",
			header:   []string{"客户编号", "日期", "金额"},
			explicit: map[Field]string{FieldListed: "日期"},
			fields:   RevenueFields,
			codes:    []string{"unknown_field"},
		},
		{
			name:     "foreign currency",
			header:   []string{"客户编号", "日期", "金额(美元)"},
			fields:   RevenueFields,
			codes:    []string{"unit_not_yuan"},
			contains: []string{"美元"},
		},
		{
			name:   "unit price in 万元",
			header: []string{"客户编号", "日期", "数量", "单价(万元)"},
			fields: RevenueFields,
			codes:  []string{"unit_not_yuan"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MapColumns(tc.header, tc.explicit, tc.fields)
			if err == nil {
				t.Fatalf("MapColumns(%q) succeeded, want %v", tc.header, tc.codes)
			}
			var codes []string
			var errs []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			} else {
				errs = []error{err}
			}
			for _, e := range errs {
				var me *MappingError
				if !errors.As(e, &me) {
					t.Fatalf("MapColumns error %v is not a *MappingError", e)
				}
				codes = append(codes, me.Code)
			}
			if !slices.Equal(codes, tc.codes) {
				t.Errorf("MapColumns(%q) codes = %v, want %v (%v)", tc.header, codes, tc.codes, err)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("MapColumns(%q) error %q does not mention %q", tc.header, err, s)
				}
			}
		})
	}
}

func TestMappingColumn(t *testing.T) {
	m, err := MapColumns([]string{"客户编号", "日期", "备注", "金额（元）"}, nil, RevenueFields)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Column(FieldAmount), "金额（元） (column D)"; got != want {
		t.Errorf("Column(amount) = %q, want %q", got, want)
	}
	if got, want := m.Column(FieldProduct), "product"; got != want {
		t.Errorf("Column(product) = %q, want %q", got, want)
	}
}

func TestParseColumnFlag(t *testing.T) {
	for _, tc := range []struct {
		in     string
		field  Field
		header string
		code   string
	}{
		{"amount=销售额", FieldAmount, "销售额", ""},
		{" Amount = 销售额 ", FieldAmount, "销售额", ""},
		{"unit_price=单价=元", FieldUnitPrice, "单价=元", ""},
		{"money=销售额", "", "", "unknown_field"},
		{"amount", "", "", "bad_column_flag"},
		{"amount=", "", "", "bad_column_flag"},
	} {
		f, h, err := ParseColumnFlag(tc.in)
		if tc.code == "" {
			if err != nil || f != tc.field || h != tc.header {
				t.Errorf("ParseColumnFlag(%q) = %q, %q, %v, want %q, %q", tc.in, f, h, err, tc.field, tc.header)
			}
			continue
		}
		var me *MappingError
		if !errors.As(err, &me) || me.Code != tc.code {
			t.Errorf("ParseColumnFlag(%q) error = %v, want code %s", tc.in, err, tc.code)
		}
	}
	_, _, err := ParseColumnFlag("money=x")
	if !strings.Contains(err.Error(), "unit_price") {
		t.Errorf("ParseColumnFlag(money=x) error %q does not list the valid fields", err)
	}
}

// No synonym may name two fields of one file kind, or MapColumns would depend
// on field order.
func TestSynonymsDisjoint(t *testing.T) {
	for name, keys := range map[string]map[Field][]string{"revenue": revenueKeys, "account": accountKeys} {
		seen := map[string]Field{}
		for f, list := range keys {
			for _, k := range list {
				if g, ok := seen[k]; ok && g != f {
					t.Errorf("%s synonym %q names both %s and %s", name, k, g, f)
				}
				seen[k] = f
			}
		}
	}
}
