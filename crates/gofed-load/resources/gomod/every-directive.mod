// Deprecated: use example.com/m/v2 instead.
module example.com/m

go 1.25rc1

toolchain go1.25.1

godebug (
	default=go1.21
	panicnil=1
)
godebug http2client=0

require example.com/single v1.2 // indirect
require (
	"example.com/quoted" "v1.0.0"
	example.com/pseudo v0.0.0-20240102030405-abcdefabcdef
	example.com/incompat v3.1.0+incompatible
	example.com/major/v5 v5.0.1 // indirect; used by tests
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c
)

exclude example.com/single v1.1.0
exclude (
	example.com/quoted v0.9.0
)

replace example.com/single => example.com/fork v1.2.4
replace (
	example.com/quoted v1.0.0 => ../quoted
	example.com/pseudo => /abs/pseudo
	example.com/major/v5 v5.0.1 => example.com/major/v5 v5.0.2
)

// Published by mistake.
retract v1.0.0
retract [v1.1.0, v1.1.9] // bad builds
retract (
	// The tag was moved.
	v1.2.0

	v1.3.0
)

tool golang.org/x/tools/cmd/stringer
tool (
	example.com/m/cmd/gen
)

ignore ./node_modules
ignore (
	third_party/js
)

future directive here
