package p

// Rule (apidiff.go, checkPackage): same-named defined types of the old and
// new package correspond before anything else is compared. Without it, old
// Cfg (an alias of Opts, seen first in name order) would claim old Opts for
// new Cfg, and the message would blame Opts: "changed from Opts to Opts".

// old
type Cfg = Opts

// new
// i Cfg: changed from Opts to Cfg
type Cfg Opts

// both
type Opts struct{ N int }

func Use(Opts) {}
