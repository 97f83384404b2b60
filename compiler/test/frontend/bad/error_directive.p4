// expect: 3:5: error: #error this program needs FEATURE
#ifndef FEATURE
    #error this program needs FEATURE
#endif
