/* The generated stub of role hands of topology Desk, compiled as it is
 * written (its main() renamed), for test_topo_stubkey.c: its handlers. */
#define main stub_desk_main
#include "sk_Desk_hands.c"
#undef main

int stub_desk_main(int argc, char **argv);
const sk_Desk_hands_handlers *stub_desk_handlers(void);

const sk_Desk_hands_handlers *stub_desk_handlers(void)
{
    static sk_Desk_hands_handlers h;
    h.on_quotes = on_quotes;
    return &h;
}
