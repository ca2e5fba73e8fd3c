// Lab-authored, compile-only stand-in for github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc
// (the Go module proxy refuses that module). See docs/lab.md, "flannel".
module github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc

go 1.21
