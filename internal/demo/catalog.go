package demo

import "time"

// product is an item of a catalogue. weight is its share of lines; boost
// multiplies it in the months listed, for the gifts a holiday sells.
type product struct {
	name   string
	weight float64
	boost  [13]float64 // by time.Month; 0 means 1
}

func boosted(name string, w float64, factor float64, months ...time.Month) product {
	p := product{name: name, weight: w}
	for _, m := range months {
		p.boost[m] = factor
	}
	return p
}

// silverProducts is what the franchisees of the book case buy from the brand.
// Couple rings sell for 520 (May) and 七夕 (August); zodiac pendants and
// children's locks are Chinese New Year gifts.
var silverProducts = []product{
	{name: "足银手镯", weight: 18},
	{name: "银项链", weight: 14},
	{name: "银戒指", weight: 13},
	{name: "银吊坠", weight: 10},
	{name: "银耳饰", weight: 9},
	{name: "银手链", weight: 10},
	boosted("儿童长命锁", 5, 2, time.January, time.February),
	boosted("生肖银吊坠", 3, 3, time.December, time.January, time.February),
	boosted("情侣对戒", 5, 2.5, time.May, time.August),
	{name: "银脚链", weight: 3},
	{name: "银饰礼盒", weight: 5},
	{name: "银筷银碗套装", weight: 3},
	{name: "银摆件", weight: 2},
}

// silverServices are the fees the brand charges its franchisees besides goods
// (the service revenue of METHODOLOGY §8.1).
var silverServices = []string{"培训服务费", "陈列设计服务", "门店形象升级服务", "会员营销服务费"}

// silverIndustries is the Industry field of the book case: nearly all shops
// are jewellery retail, a few are counters in gift shops or department stores.
var silverIndustries = []struct {
	name   string
	weight float64
}{
	{"珠宝首饰", 92}, {"礼品零售", 3}, {"百货零售", 3}, {"婚庆用品", 2},
}

// seasonality returns the relative sales of each month of a year for a
// silver-jewellery franchise (index 1..12). Franchisees restock before the
// peaks: Chinese New Year (January or February, see cnyDay), 520 and
// Mother's Day in May, 七夕 in August, National Day in October, 双十一 in
// November and Christmas / New Year in December.
func seasonality(year int) [13]float64 {
	s := [13]float64{0, 1, 1, 0.78, 0.80, 0.98, 0.84, 0.86, 1.18, 0.92, 1.08, 1.22, 1.12}
	switch m, d := cnyDay(year); {
	case m == time.January:
		// The restocking fell in December and January; February is the
		// post-holiday lull.
		s[1], s[2] = 1.40, 0.75
	case d <= 10:
		s[1], s[2] = 1.45, 0.95
	default:
		s[1], s[2] = 1.25, 1.25
	}
	if m, _ := cnyDay(year + 1); m == time.January {
		s[12] += 0.15
	}
	return s
}

// cnyDates holds the day of Chinese New Year (month*100 + day), which moves
// between 21 January and 20 February with the lunar calendar.
var cnyDates = map[int]int{
	2015: 219, 2016: 208, 2017: 128, 2018: 216, 2019: 205, 2020: 125,
	2021: 212, 2022: 201, 2023: 122, 2024: 210, 2025: 129, 2026: 217,
	2027: 206, 2028: 126, 2029: 213, 2030: 203, 2031: 123, 2032: 211,
	2033: 131, 2034: 219, 2035: 208,
}

// cnyDay returns the month and day of Chinese New Year; outside the table it
// assumes 5 February, close to the average.
func cnyDay(year int) (time.Month, int) {
	md, ok := cnyDates[year]
	if !ok {
		md = 205
	}
	return time.Month(md / 100), md % 100
}

// industry is a synthetic industry: words for company names, and what its
// customers buy.
type industry struct {
	name     string
	words    []string
	products []string
	services []string
}

var industries = []industry{
	{"珠宝首饰", []string{"珠宝", "银饰", "金饰", "首饰"}, []string{"足银手镯", "银项链", "黄金吊坠", "银戒指", "珍珠耳环"}, []string{"培训服务费", "陈列设计服务"}},
	{"机械制造", []string{"机械", "重工", "精工", "装备"}, []string{"数控机床", "液压泵", "减速机", "工业轴承", "齿轮箱"}, []string{"设备维保服务", "安装调试服务"}},
	{"电子元器件", []string{"电子", "微电", "光电", "芯科"}, []string{"贴片电容", "功率模块", "传感器", "连接器", "电源模块"}, []string{"技术支持服务", "检测认证服务"}},
	{"医疗器械", []string{"医疗", "医械", "康健", "生物"}, []string{"监护仪", "输液泵", "一次性耗材", "超声探头", "诊断试剂"}, []string{"设备维保服务", "临床培训服务"}},
	{"食品饮料", []string{"食品", "饮品", "粮油", "乳业"}, []string{"瓶装饮料", "休闲零食", "食用油", "调味品", "乳制品"}, []string{"陈列服务费", "冷链配送服务"}},
	{"化工材料", []string{"化工", "新材", "化学", "塑胶"}, []string{"工程塑料", "工业涂料", "胶粘剂", "树脂", "助剂"}, []string{"技术服务费", "仓储服务"}},
	{"汽车零部件", []string{"汽配", "汽车部件", "车业", "动力"}, []string{"刹车片", "滤清器", "火花塞", "轮毂", "车灯总成"}, []string{"质量检测服务", "物流服务"}},
	{"建材家居", []string{"建材", "家居", "装饰", "陶瓷"}, []string{"瓷砖", "卫浴套装", "木地板", "墙面涂料", "门窗"}, []string{"设计服务费", "安装服务"}},
	{"软件信息", []string{"软件", "信息", "数据", "智能"}, []string{"软件许可", "服务器", "网络设备", "云资源包", "终端设备"}, []string{"实施服务费", "运维服务费"}},
}
