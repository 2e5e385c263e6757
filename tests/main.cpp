// The one doctest main for the unit tests.
#include "doctest_main.hpp"
