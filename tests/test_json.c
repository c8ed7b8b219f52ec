#include "test.h"
TEST_TABLE(json) = {{NULL, NULL}};
