"""Trip awards of sales contests: the winner's answer, its travellers, seats passed on, and
how long traveller details are kept."""
