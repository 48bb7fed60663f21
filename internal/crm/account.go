package crm

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Account types (SPEC §3).
const (
	TypeEnterprise = "ENTERPRISE"
	TypeDealer     = "DEALER"
	TypeFranchisee = "FRANCHISEE"
	TypeConsumer   = "CONSUMER"
)

// AccountTypes lists the valid account types in display order.
var AccountTypes = []string{TypeEnterprise, TypeDealer, TypeFranchisee, TypeConsumer}

// Revenue classes (METHODOLOGY §8.1: the value strategy reads the service share).
const (
	ClassProduct = "PRODUCT"
	ClassService = "SERVICE"
)

// Account is a customer: a company, dealer, franchisee or consumer.
type Account struct {
	ID        int64
	Code      string // the customer code of the source systems; unique
	Name      string
	Type      string // one of AccountTypes, or ""
	Industry  string
	Region    string
	IsListed  bool
	IsLeader  bool
	Potential Money // estimated annual spend, for prospects (§1.1)
	Stage     string
	// Ownership (METHODOLOGY §3.1, §9.2): the accountable person of the
	// stage, the owning department kind, and the sales rep who stays
	// attached after the handover to customer service. 0: nobody.
	OwnerID         int64
	OwnerDepartment string
	SalesRepID      int64
	Version         int // optimistic lock: an update must carry the version it read
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// Current standing, computed for the default period (see Standing).
	Revenue Money
	Tier    string
	Band    string
}

// Normalize trims the text fields.
func (a *Account) Normalize() {
	a.Code = strings.TrimSpace(a.Code)
	a.Name = strings.TrimSpace(a.Name)
	a.Type = strings.TrimSpace(a.Type)
	a.Industry = strings.TrimSpace(a.Industry)
	a.Region = strings.TrimSpace(a.Region)
}

// Validate checks an account before it is stored.
func (a *Account) Validate() error {
	var v ValidationError
	switch {
	case a.Code == "":
		v.Add("code", "error.account.code.required")
	case utf8.RuneCountInString(a.Code) > 64:
		v.Add("code", "error.account.code.too_long")
	}
	switch {
	case a.Name == "":
		v.Add("name", "error.account.name.required")
	case utf8.RuneCountInString(a.Name) > 200:
		v.Add("name", "error.account.name.too_long")
	}
	if a.Type != "" && !contains(AccountTypes, a.Type) {
		v.Add("type", "error.account.type.invalid")
	}
	if utf8.RuneCountInString(a.Industry) > 100 {
		v.Add("industry", "error.field.too_long")
	}
	if utf8.RuneCountInString(a.Region) > 100 {
		v.Add("region", "error.field.too_long")
	}
	if a.Potential < 0 {
		v.Add("potential", "error.account.potential.negative")
	}
	return v.OrNil()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RevenueLine is one line of revenue: an invoice line, an order, a month or a
// year of an account. Negative lines (returns) net against the account.
type RevenueLine struct {
	AccountID int64
	Date      Date
	Amount    Money
	Class     string // ClassProduct or ClassService
	Product   string
	BatchID   int64
}
