package crm

// Hold is an account's tier after the downgrade rule of §2.1: "upgrade as
// soon as the threshold is reached; downgrade only after DowngradeAfter
// consecutive evaluations below it". Tiers are indexes into Method.Tiers (0 is
// the top); -1 is no tier: no positive revenue.
type Hold struct {
	Tier int // the tier the account holds after the last evaluation
	Raw  int // the tier of the last evaluation's revenue alone
	// Below counts the consecutive evaluations, up to the last, whose revenue
	// is below Tier's minimum: 0 when the last evaluation reaches Tier, and
	// always fewer than DowngradeAfter.
	Below int
}

// Held reports whether the rule keeps the account in a higher tier than its
// last evaluation's revenue gives.
func (h Hold) Held() bool { return h.Below > 0 }

// HoldTier applies the downgrade rule to an account's tiers in consecutive
// evaluations, oldest first: the account takes a higher tier as soon as an
// evaluation reaches it, and leaves a tier only once after consecutive
// evaluations in a row were below that tier's minimum. An evaluation without
// positive revenue (-1) is below every tier.
//
// Applied threshold by threshold, the rule puts the account, after each
// evaluation, in the highest tier that any of the last after evaluations
// reached: that is how it is computed. after < 1 counts as 1 (no hysteresis).
func HoldTier(tiers []int, after int) Hold {
	after = max(after, 1)
	h := Hold{Tier: -1, Raw: -1}
	if len(tiers) == 0 {
		return h
	}
	h.Raw = tiers[len(tiers)-1]
	for _, t := range tiers[max(0, len(tiers)-after):] {
		if t >= 0 && (h.Tier < 0 || t < h.Tier) {
			h.Tier = t
		}
	}
	for i := len(tiers) - 1; i >= 0 && h.Tier >= 0 && (tiers[i] < 0 || tiers[i] > h.Tier); i-- {
		h.Below++
	}
	return h
}

// HoldTier applies the method's downgrade rule (DowngradeAfter) to tiers in
// consecutive evaluations, oldest first; see the function HoldTier.
func (m *Method) HoldTier(tiers []int) Hold { return HoldTier(tiers, m.DowngradeAfter) }

// EvaluationYear returns y when p is the evaluation year m.Year(y): a
// calendar year, or a fiscal year when the fiscal year starts in another
// month. The downgrade rule counts evaluations in these years; other periods
// (trailing twelve months, date ranges, a calendar year under a fiscal-year
// setting) show tiers by revenue alone.
func (m *Method) EvaluationYear(p Period) (int, bool) {
	y := p.From.Year()
	if m.Year(y) == p {
		return y, true
	}
	return 0, false
}
