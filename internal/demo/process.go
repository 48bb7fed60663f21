package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"kam/internal/crm"
)

// Process data (issue 4): opportunities and activities over accounts and
// people that exist already, at the scale of the performance target (200
// people, 100,000 opportunities, 1,000,000 activities). Like Generate it is
// a pure function of its options, streamed through callbacks.

// ProcessOptions choose what GenerateProcess produces.
type ProcessOptions struct {
	Now           crm.Date // today: activities are dated up to today, open opportunities close after it
	Accounts      int      // how many accounts there are to refer to (by index)
	People        int      // how many people there are to refer to (by index)
	Opportunities int
	Activities    int
	Seed          uint64 // 0: DefaultSeed
	// Stages are the open stages with their default probabilities (the
	// configuration's); nil: crm.DefaultOppStages.
	Stages []crm.OppStageDef
}

// Opp is a generated opportunity. AccountIndex and PersonIndex refer to the
// caller's accounts and people; the caller may give it the account's owner
// instead of the person.
type Opp struct {
	AccountIndex int
	PersonIndex  int
	Name         string
	Stage        string
	Amount       crm.Money
	CloseDate    crm.Date
	ClosedOn     crm.Date
	Probability  int
	Needs        []string
	Products     []string
	LostReason   string
	Checks       []string
	Created      crm.Date
	StageSince   crm.Date
}

// Act is a generated activity; OppIndex is -1 when it has no opportunity
// (its account is then AccountIndex; otherwise the opportunity's).
type Act struct {
	AccountIndex int
	PersonIndex  int
	OppIndex     int
	Kind         string
	Date         crm.Date
	Contacts     []string
	Objective    string
	Outcome      string
	NextStep     string
	NextStepDue  crm.Date
	NextStepDone bool
}

var (
	oppProducts = []string{"ERP", "MES", "CRM", "供应链协同", "数据中台", "云服务", "运维服务", "培训服务"}
	oppNeeds    = []string{"降本增效", "数字化转型", "合规审计", "产能扩张", "渠道管理", "客户体验", "国产化替代"}
	oppLost     = []string{"价格", "竞争对手关系", "预算取消", "需求变化", "决策延后"}
	contacts    = []string{"张总", "李经理", "王工", "刘主任", "陈总监", "杨采购", "赵财务", "周IT"}
	objectives  = map[string][]string{
		crm.ActVisit:        {"了解年度采购计划", "拜访关键人", "介绍新产品"},
		crm.ActCall:         {"确认需求细节", "跟进报价反馈", "预约拜访"},
		crm.ActDemo:         {"产品演示", "方案演示"},
		crm.ActProposal:     {"提交方案", "讲解报价"},
		crm.ActExecMeeting:  {"高层会晤", "战略合作沟通"},
		crm.ActServiceVisit: {"季度回访", "项目巡检", "满意度调研"},
	}
	outcomes  = []string{"客户认可", "需进一步沟通", "确认预算", "安排下次会面", "提出异议"}
	nextSteps = []string{"发送资料", "提交报价", "安排演示", "约见决策人", "内部评审"}
	// Activity kinds by weight: visits and calls most.
	actKinds = []struct {
		kind   string
		weight int
	}{{crm.ActVisit, 35}, {crm.ActCall, 30}, {crm.ActDemo, 8}, {crm.ActProposal, 7}, {crm.ActExecMeeting, 5}, {crm.ActServiceVisit, 15}}
)

// GenerateProcess produces the opportunities, then the activities.
func GenerateProcess(opt ProcessOptions, opp func(Opp) error, act func(Act) error) error {
	if !opt.Now.Valid() {
		return fmt.Errorf("demo: Now %d is not a valid date", int32(opt.Now))
	}
	if opt.Accounts <= 0 || opt.People <= 0 {
		return errors.New("demo: process data needs accounts and people")
	}
	if opt.Opportunities < 0 || opt.Activities < 0 {
		return errors.New("demo: Opportunities and Activities must not be negative")
	}
	stages := opt.Stages
	if len(stages) == 0 {
		stages = crm.DefaultOppStages()
	}
	seed := opt.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	r := rand.New(rand.NewPCG(seed, 0x0990_0990))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	some := func(l []string, n int) []string {
		out := make([]string, 0, n)
		for _, i := range r.Perm(len(l))[:n] {
			out = append(out, l[i])
		}
		return out
	}
	oppAccount := make([]int32, opt.Opportunities)
	oppPerson := make([]int32, opt.Opportunities)
	for i := range opt.Opportunities {
		o := Opp{AccountIndex: r.IntN(opt.Accounts), PersonIndex: r.IntN(opt.People)}
		oppAccount[i], oppPerson[i] = int32(o.AccountIndex), int32(o.PersonIndex)
		o.Products = some(oppProducts, 1+r.IntN(2))
		o.Needs = some(oppNeeds, 1+r.IntN(2))
		o.Name = fmt.Sprintf("%s项目 %d", o.Products[0], i+1)
		// Amounts log-uniform between 100,000 and 50,000,000 yuan.
		o.Amount = crm.Yuan(int64(math.Exp(math.Log(1e5) + r.Float64()*math.Log(500))))
		// 55 % open, falling off by stage; 25 % won; 20 % lost.
		x := r.IntN(100)
		switch {
		case x < 55:
			k := min(len(stages)-1, int(float64(len(stages))*math.Pow(r.Float64(), 1.6)))
			o.Stage, o.Probability = stages[k].Name, stages[k].Probability
			for _, s := range stages[:k] {
				o.Checks = append(o.Checks, s.Criteria...)
			}
			o.CloseDate = opt.Now.AddDays(r.IntN(181))
			o.StageSince = opt.Now.AddDays(-r.IntN(120))
			o.Created = o.StageSince.AddDays(-r.IntN(120))
		case x < 80:
			o.Stage, o.Probability = crm.OppWon, 100
			o.ClosedOn = opt.Now.AddDays(-r.IntN(730))
		default:
			o.Stage, o.Probability, o.LostReason = crm.OppLost, 0, pick(oppLost)
			o.ClosedOn = opt.Now.AddDays(-r.IntN(730))
		}
		if o.ClosedOn != 0 {
			o.CloseDate, o.StageSince = o.ClosedOn, o.ClosedOn
			o.Created = o.ClosedOn.AddDays(-30 - r.IntN(300))
			if o.Stage == crm.OppWon {
				for _, s := range stages {
					o.Checks = append(o.Checks, s.Criteria...)
				}
			}
		}
		if opp != nil {
			if err := opp(o); err != nil {
				return err
			}
		}
	}
	total := 0
	for _, k := range actKinds {
		total += k.weight
	}
	for range opt.Activities {
		a := Act{OppIndex: -1, AccountIndex: r.IntN(opt.Accounts), PersonIndex: r.IntN(opt.People)}
		if opt.Opportunities > 0 && r.IntN(2) == 0 {
			a.OppIndex = r.IntN(opt.Opportunities)
			a.AccountIndex, a.PersonIndex = int(oppAccount[a.OppIndex]), int(oppPerson[a.OppIndex])
		}
		w := r.IntN(total)
		for _, k := range actKinds {
			if w < k.weight {
				a.Kind = k.kind
				break
			}
			w -= k.weight
		}
		// The last five years: about 19 a week per person at 200 people and
		// 1,000,000 activities.
		a.Date = opt.Now.AddDays(-r.IntN(5 * 365))
		a.Contacts = some(contacts, 1+r.IntN(2))
		a.Objective, a.Outcome = pick(objectives[a.Kind]), pick(outcomes)
		if r.IntN(10) < 6 {
			a.NextStep = pick(nextSteps)
			a.NextStepDue = a.Date.AddDays(1 + r.IntN(14))
			// Most next steps get done; a few old ones are forgotten.
			switch {
			case a.NextStepDue < opt.Now.AddDays(-30):
				a.NextStepDone = r.IntN(1000) < 995
			case a.NextStepDue < opt.Now:
				a.NextStepDone = r.IntN(10) < 7
			}
		}
		if act != nil {
			if err := act(a); err != nil {
				return err
			}
		}
	}
	return nil
}
