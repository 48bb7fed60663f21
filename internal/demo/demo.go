// Package demo generates demonstration data for KAM: accounts and revenue
// lines, either the silver-jewellery franchise case of the book (METHODOLOGY
// §2.1) or synthetic data at the scale of SPEC §6 (1,000,000 accounts,
// 10,000,000 lines).
//
// It does no I/O. Everything is streamed through callbacks, so a caller can
// write a million accounts to a file or a database in constant memory, and
// everything is a pure function of Options: the same Options give the same
// accounts and lines in the same order, byte for byte, on every machine. For
// that the package draws only from math/rand/v2 PCG sources seeded from
// Options.Seed, never reads the clock and never iterates over a map.
package demo

import (
	"errors"
	"fmt"

	"kam/internal/crm"
)

// Account is a generated customer.
type Account struct {
	Code, Name, Type, Industry, Region string
	IsListed, IsLeader                 bool
	Potential                          crm.Money // estimated annual spend
}

// Line is a generated revenue line. Negative amounts are returns.
type Line struct {
	AccountCode  string
	AccountIndex int // 0-based index of the account in generation order
	Date         crm.Date
	Amount       crm.Money
	Class        string // crm.ClassProduct or crm.ClassService
	Product      string
}

// Options choose what Generate produces.
type Options struct {
	// Now is today. The latest full year is Now.Year()-1; no line is dated on
	// or after Now.
	Now crm.Date
	// Accounts is the number of synthetic accounts; 0 with Lines 0 means the
	// book case (BookAccounts franchisees).
	Accounts int
	// Lines is the total number of synthetic revenue lines; 0 with Accounts 0
	// means the book case, whose monthly lines are not counted in advance.
	Lines int
	// Seed selects one of many equally plausible data sets; 0 means DefaultSeed.
	Seed uint64
}

const (
	// BookAccounts is the number of franchisees in the book case.
	BookAccounts = 4695
	// DefaultSeed is used when Options.Seed is 0. The date is that of the
	// talk in which the book's silver-jewellery case was told.
	DefaultSeed uint64 = 20211108
	// DefaultSyntheticAccounts is the number of accounts when only
	// Options.Lines is given: the scale SPEC §6 asks KAM to handle.
	DefaultSyntheticAccounts = 1_000_000
	// DefaultLinesPerAccount gives the number of lines when only
	// Options.Accounts is given, the same ratio as SPEC §6 (10M / 1M).
	DefaultLinesPerAccount = 10
)

// Generate produces the accounts, all of them in index order, then the
// revenue lines, grouped by account in index order and dated in order within
// each account. A nil callback skips that kind of record. The first error a
// callback returns stops generation and is returned unchanged.
func Generate(opt Options, account func(Account) error, line func(Line) error) error {
	if !opt.Now.Valid() {
		return fmt.Errorf("demo: Now %d is not a valid date", int32(opt.Now))
	}
	if opt.Accounts < 0 || opt.Lines < 0 {
		return errors.New("demo: Accounts and Lines must not be negative")
	}
	seed := opt.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	if account == nil {
		account = func(Account) error { return nil }
	}
	if opt.Accounts == 0 && opt.Lines == 0 {
		return generateBook(opt.Now, seed, account, line)
	}
	n, m := opt.Accounts, opt.Lines
	if n == 0 {
		n = DefaultSyntheticAccounts
	}
	if m == 0 {
		m = n * DefaultLinesPerAccount
	}
	return generateSynthetic(opt.Now, seed, n, m, account, line)
}
