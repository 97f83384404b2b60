// expect: 3:1: error: #include expects "FILE" or <FILE>
#include <core.p4>
#include v1model.p4
