from keeper.client.constants import BPS_DENOMINATOR, NETWORK_FEE_BPS, RESERVATION_FEE_BPS
from keeper.client.fees import U64_MAX, fee_ceil, mul_div_floor, share_floor


def test_fees_round_up_and_shares_round_down_like_io_common() -> None:
    assert fee_ceil(10_000, RESERVATION_FEE_BPS) == 25
    assert fee_ceil(1, RESERVATION_FEE_BPS) == 1
    assert fee_ceil(0, NETWORK_FEE_BPS) == 0
    assert share_floor(399, 25) == 0
    assert share_floor(U64_MAX, BPS_DENOMINATOR) == U64_MAX
    assert fee_ceil(U64_MAX, 20_000) is None
    assert mul_div_floor(7, 3, 0) is None
    assert mul_div_floor(U64_MAX, U64_MAX, U64_MAX) == U64_MAX
