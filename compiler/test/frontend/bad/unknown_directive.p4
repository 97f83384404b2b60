// expect: 4:1: error: unknown preprocessor directive '#inlcude'
#include <core.p4>
#pragma once
#inlcude <v1model.p4>
