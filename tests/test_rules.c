#include "test.h"
TEST_TABLE(rules) = {{NULL, NULL}};
