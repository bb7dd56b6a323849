package p

// Rule (correspondence.go, establishCorrespondence): named types of packages
// other than the two compared correspond only when their package paths and
// names are equal (go.dev/issue/61385): io.Writer is not
// text/tabwriter.Writer, and a named type of another package never
// corresponds to a basic type.

// both
import (
	"io"
	"text/tabwriter"
)

// old
var Out io.Writer
var _ tabwriter.Writer

func Close(io.Closer) {}

// new
// i Out: changed from io.Writer to text/tabwriter.Writer
// i Close: changed from func(io.Closer) to func(int)
var Out tabwriter.Writer
var _ io.Writer

func Close(int) {}

// both
func Keep(io.Closer) {}
