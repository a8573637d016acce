// Command kube is one binary for every upstream Kubernetes component. It is
// installed under each component's name and picks the component from the
// name it was started by, so the node image carries the linked code once.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // CronJob time zones

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"

	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubeadm "k8s.io/kubernetes/cmd/kubeadm/app"
	kubeadmerrors "k8s.io/kubernetes/cmd/kubeadm/app/util/errors"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler": func() *cobra.Command {
		if os.Getenv(startAfterReadyAPIServer) == "true" {
			waitForReadyAPIServer(os.Args[1:])
		}
		return scheduler.NewSchedulerCommand()
	},
	"kube-proxy": proxy.NewProxyCommand,
	"kubelet": func() *cobra.Command {
		return kubelet.NewKubeletCommand(context.Background())
	},
}

func main() {
	name := filepath.Base(os.Args[0])
	// "kube <component> args..." works too, for debugging.
	if name == "kube" && len(os.Args) > 1 {
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	switch name {
	case "kubeadm":
		kubeadmerrors.HandleError(kubeadm.Run())
	case "kubectl":
		logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) //nolint:errcheck
		if err := cli.RunNoErrOutput(kubectlcmd.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	default:
		newCommand, ok := components[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "kube: unknown component %q\n", name)
			os.Exit(2)
		}
		os.Exit(cli.Run(newCommand()))
	}
}

// startAfterReadyAPIServer, set to "true" in a component's environment, holds
// it back until the API server it talks to is ready. A scheduler started
// beside a new API server has its first lists refused until the default RBAC
// roles exist; client-go then waits 0.8 s, 1.6 s, ... before it lists again,
// and the first pods wait for that.
const startAfterReadyAPIServer = "KCLUSTER_START_AFTER_READY_API_SERVER"

// waitForReadyAPIServer asks /readyz with the component's own credentials
// (its --kubeconfig) every 100 ms until the answer is 200, for at most two
// minutes; then the component starts as it always would.
func waitForReadyAPIServer(args []string) {
	kubeconfig := flagValue(args, "kubeconfig")
	if kubeconfig == "" {
		return
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return
	}
	// Plain HTTP with the component's TLS settings: client-go's own retries
	// (Retry-After) would hold a question long after the answer changed.
	transport, err := rest.TransportFor(config)
	if err != nil {
		return
	}
	client := &http.Client{Transport: transport, Timeout: time.Second}
	url := strings.TrimSuffix(config.Host, "/") + "/readyz"
	deadline := time.Now().Add(2 * time.Minute)
	for said := false; time.Now().Before(deadline); said = true {
		if response, err := client.Get(url); err == nil {
			response.Body.Close()
			if response.StatusCode == http.StatusOK {
				return
			}
		}
		if !said {
			fmt.Fprintf(os.Stderr, "kube: waiting for the API server's /readyz before starting (%s=true)\n", startAfterReadyAPIServer)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// flagValue reads --name=value or --name value from a command line.
func flagValue(args []string, name string) string {
	for i, arg := range args {
		if value, ok := strings.CutPrefix(arg, "--"+name+"="); ok {
			return value
		}
		if arg == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
