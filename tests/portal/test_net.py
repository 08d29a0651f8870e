import pytest

from portal.net import address_group


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_per_address_limits_count_an_ipv6_address_as_its_64(address, group):
    assert address_group(address) == group
