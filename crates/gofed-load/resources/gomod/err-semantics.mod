module example.com/bad
module example.com/again

go 1.021
toolchain 1.22

require (
	example.com/a master
	example.com/b/v2 v1.0.0
	example.com/c
	example.com/d/v1 v1.0.0
)

replace example.com/a => example.com/fork
replace example.com/a => example.com/fork@v1.0.0
replace example.com/a => ../a v1.0.0

retract [v1.0.0 v1.1.0]
godebug "x=y"
tool
