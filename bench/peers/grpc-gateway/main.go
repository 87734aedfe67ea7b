// The grpc-gateway v2 peer of `npm run bench -- --peers`: generated code (protoc-gen-grpc-gateway
// with generate_unbound_methods) serving POST /bench.v1.Bench/Put as JSON in front of the same
// grpc-js provider the mesh calls. Prints {"port":N} once listening, exits when stdin closes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	benchv1 "transmesh.bench/gateway/gen/bench/v1"
)

func main() {
	upstream := flag.String("upstream", "127.0.0.1:50051", "the gRPC provider")
	listen := flag.String("listen", "127.0.0.1:0", "where to serve HTTP/JSON")
	flag.Parse()
	mux := runtime.NewServeMux()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if err := benchv1.RegisterBenchHandlerFromEndpoint(context.Background(), mux, *upstream, opts); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("{\"port\":%d}\n", ln.Addr().(*net.TCPAddr).Port)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, mux))
}
