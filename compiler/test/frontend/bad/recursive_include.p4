// expect: 3:10: error: #include nested too deeply: 'recursive_include.p4' includes itself without an include guard
#include <core.p4>
#include "recursive_include.p4"
