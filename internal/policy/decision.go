package policy

// Action is what prsweep does with a tag.
type Action string

const (
	Delete Action = "delete"
	Keep   Action = "keep"
)

// Decision is the verdict on one tag, with the reason a user reads in the report.
type Decision struct {
	Action Action
	Reason string
	Rule   int // index of the rule that matched the tag; -1 when none did
}
