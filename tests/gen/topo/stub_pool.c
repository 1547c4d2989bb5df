/* The generated stub of role hands of topology Pool, compiled as it is
 * written (its main() renamed), for test_topo_stubkey.c: its handlers. */
#define main stub_pool_main
#include "sk_Pool_hands.c"
#undef main

int stub_pool_main(int argc, char **argv);
const sk_Pool_hands_handlers *stub_pool_handlers(void);

const sk_Pool_hands_handlers *stub_pool_handlers(void)
{
    static sk_Pool_hands_handlers h;
    h.on_squotes = on_squotes;
    return &h;
}
