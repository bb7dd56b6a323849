module example.com/c

/* a C comment */
go 1.21
