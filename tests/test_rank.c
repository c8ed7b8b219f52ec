#include "test.h"
TEST_TABLE(rank) = {{NULL, NULL}};
