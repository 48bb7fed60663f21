package demo

import (
	"strconv"
	"strings"
)

// placeTable lists where the franchisees are: a province (the account's
// Region), its weight in the book case, then cities with some of their
// districts. The brand of the book's case is from 河南, so 河南 and its
// neighbours carry most of the weight. The first city of a province is its
// capital and gets twice the shops of the others. A text table is easier to
// read and extend than nested literals.
const placeTable = `
河南省 26 郑州:金水,二七,中原,管城,惠济,郑东 洛阳:老城,西工,涧西,洛龙,瀍河 开封:龙亭,鼓楼,禹王台,顺河 新乡:红旗,卫滨,牧野,凤泉 南阳:宛城,卧龙 许昌:魏都,建安 周口:川汇,淮阳 商丘:梁园,睢阳 信阳:浉河,平桥 安阳:文峰,北关,殷都 平顶山:新华,卫东,湛河 焦作:解放,山阳,中站 驻马店:驿城 漯河:源汇,郾城 濮阳:华龙 三门峡:湖滨 鹤壁:淇滨
山东省 8 济南:历下,市中,槐荫,天桥,历城 青岛:市南,市北,李沧,崂山,黄岛 淄博:张店,淄川 烟台:芝罘,莱山 潍坊:奎文,潍城 临沂:兰山,罗庄 济宁:任城 菏泽:牡丹 聊城:东昌府
河北省 7 石家庄:长安,桥西,新华,裕华 保定:竞秀,莲池 邯郸:丛台,邯山 唐山:路北,路南 邢台:襄都,信都 沧州:运河,新华 廊坊:广阳,安次
安徽省 6 合肥:庐阳,蜀山,包河,瑶海 阜阳:颍州,颍东 亳州:谯城 宿州:埇桥 芜湖:镜湖,弋江 蚌埠:蚌山,龙子湖
湖北省 6 武汉:江汉,江岸,硚口,武昌,洪山,汉阳 襄阳:樊城,襄城 宜昌:西陵,伍家岗 十堰:茅箭,张湾 荆州:沙市,荆州
江苏省 6 南京:玄武,秦淮,鼓楼,建邺 苏州:姑苏,吴中,相城 徐州:云龙,鼓楼,泉山 无锡:梁溪,滨湖 南通:崇川 连云港:海州 宿迁:宿城
陕西省 5 西安:新城,碑林,莲湖,雁塔,未央 宝鸡:渭滨,金台 咸阳:秦都,渭城 渭南:临渭 汉中:汉台
山西省 5 太原:小店,迎泽,杏花岭 大同:平城 运城:盐湖 长治:潞州 临汾:尧都 晋城:城区
浙江省 4 杭州:西湖,上城,拱墅,滨江,萧山 宁波:海曙,鄞州,江北 温州:鹿城,瓯海 金华:婺城,金东 义乌:稠城,北苑
湖南省 4 长沙:芙蓉,天心,岳麓,开福,雨花 株洲:天元,芦淞 衡阳:蒸湘,雁峰 岳阳:岳阳楼 常德:武陵
四川省 4 成都:锦江,青羊,金牛,武侯,成华 绵阳:涪城 南充:顺庆 宜宾:翠屏 德阳:旌阳
广东省 3 广州:天河,越秀,海珠,番禺 深圳:福田,罗湖,南山,宝安 东莞:莞城,南城 佛山:禅城,南海
江西省 3 南昌:东湖,西湖,青山湖 赣州:章贡 九江:浔阳 上饶:信州
北京市 2 北京:朝阳,海淀,东城,西城,丰台,通州
上海市 2 上海:黄浦,徐汇,静安,浦东,闵行
天津市 1.5 天津:和平,河西,南开,滨海
重庆市 1.5 重庆:渝中,江北,南岸,沙坪坝,九龙坡
辽宁省 2 沈阳:和平,沈河,皇姑 大连:中山,沙河口 鞍山:铁东
甘肃省 2 兰州:城关,七里河 天水:秦州
福建省 1.5 福州:鼓楼,台江 厦门:思明,湖里 泉州:鲤城,丰泽
内蒙古自治区 1.5 呼和浩特:新城,赛罕 包头:昆都仑,青山 赤峰:红山
新疆维吾尔自治区 1 乌鲁木齐:天山,沙依巴克
广西壮族自治区 1 南宁:青秀,兴宁 柳州:城中 桂林:秀峰
云南省 1 昆明:五华,盘龙,官渡 曲靖:麒麟
贵州省 1 贵阳:南明,云岩 遵义:红花岗
黑龙江省 1 哈尔滨:道里,南岗,香坊 大庆:萨尔图
吉林省 1 长春:朝阳,南关 吉林:船营
宁夏回族自治区 0.5 银川:兴庆,金凤
青海省 0.3 西宁:城中,城西
海南省 0.3 海口:龙华,美兰
`

type city struct {
	name      string
	province  string
	districts []string
	weight    float64 // share of the province's shops, capital counted twice
}

type province struct {
	name   string
	weight float64
	cities []int // indexes into cities
}

// cities and provinces are parsed once at start-up; they are read-only after.
var cities, provinces = parsePlaces(placeTable)

func parsePlaces(table string) ([]city, []province) {
	var cs []city
	var ps []province
	for _, row := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Fields(row)
		w, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			panic("demo: bad place table row " + row)
		}
		p := province{name: f[0], weight: w}
		for j, c := range f[2:] {
			name, ds, _ := strings.Cut(c, ":")
			cw := 1.0
			if j == 0 {
				cw = 2
			}
			p.cities = append(p.cities, len(cs))
			cs = append(cs, city{name: name, province: f[0], districts: strings.Split(ds, ","), weight: cw})
		}
		ps = append(ps, p)
	}
	return cs, ps
}

// streets are shopping streets and malls that most Chinese cities have, so a
// shop name built from any city and one of them reads true.
var streets = []string{
	"中山路", "人民路", "解放路", "建设路", "文化路", "新华路", "和平路", "胜利路",
	"东风路", "花园路", "五一路", "长江路", "黄河路", "步行街", "万达广场", "银泰城",
	"吾悦广场", "百货大楼", "新天地", "火车站", "大学城", "商业街", "老街", "世纪广场",
	"时代广场", "宝龙广场", "红星路", "青年路", "朝阳路", "光明路",
}

// shopWords end a franchisee's name; the first is the most common form.
var shopWords = []string{"银饰加盟店", "银饰专卖店", "银饰店", "银饰旗舰店", "银饰体验店", "银楼"}

// shopOrdinals tell apart two shops a franchisee runs on the same street,
// used only when every other combination is taken.
var shopOrdinals = []string{"二店", "三店", "四店", "五店", "六店", "七店", "八店", "九店", "十店"}

// Synthetic company names are city + a two-character trade name (字号) +
// an industry word + a legal-form suffix, e.g. 苏州恒远机械有限公司.
var (
	tradeFirst = []rune("华恒鼎盛金信宏天中东新德永正嘉瑞和利丰泰安宝凯联龙汇远昌通达辉光明英博创源祥兴腾")
	tradeLast  = []rune("达源通泰信丰盛宇科海星阳昊峰晟诚业祥发润康成捷飞隆威越景奥美瀚锐辰立航翔力荣铭邦")
)
