// Command etcd starts the upstream etcd server; a module of its own because
// etcd's own main module carries replace lines that `go install` refuses.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
