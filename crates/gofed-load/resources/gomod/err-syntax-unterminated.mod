module example.com/broken

require (
	example.com/a v1.0.0
	example.com/b v1.0.0 // indirect
