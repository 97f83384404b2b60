// expect: 3:10: error: cannot find include file 'no_such_arch.p4'
#include <core.p4>
#include <no_such_arch.p4>
