/* The generated stub of role hands of topology Book, compiled as it is
 * written (its main() renamed), for test_topo_stubkey.c: its handlers. */
#define main stub_book_main
#include "sk_Book_hands.c"
#undef main

int stub_book_main(int argc, char **argv);
const sk_Book_hands_handlers *stub_book_handlers(void);

const sk_Book_hands_handlers *stub_book_handlers(void)
{
    static sk_Book_hands_handlers h;
    h.on_trades = on_trades;
    return &h;
}
