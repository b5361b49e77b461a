#include "conformance.h"
int main(void){return 0;}
