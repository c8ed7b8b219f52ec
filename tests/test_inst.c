#include "test.h"
TEST_TABLE(inst) = {{NULL, NULL}};
