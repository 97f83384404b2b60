// expect: 3:10: error: cannot find include file 'headers/missing.p4'
#include <core.p4>
#include "headers/missing.p4"
