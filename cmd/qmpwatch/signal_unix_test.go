package main

import "syscall"

var interrupt = syscall.SIGINT
