"""The static part of the demo: territory tree, catalogue, partners, FX bases and the logins.

Everything here is fictional. Dates are not fixed: moves and tier changes happen mid-quarter
relative to the day the demo is loaded (see `generate.pivot_dates`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Node(NamedTuple):
    code: str
    name: str
    parent: str | None


class PartnerSpec(NamedTuple):
    code: str
    name: str
    territory: str
    country: str
    tier: str
    parent: str | None = None


class ProductSpec(NamedTuple):
    sku: str
    name: str
    category: str
    list_price_usd: Decimal


class Login(NamedTuple):
    role: str
    email: str
    name: str
    sees: str
    partner: str | None = None
    territories: tuple[str, ...] = ()
    locale: str | None = None


PASSWORD = "demo-password-1"  # noqa: S105 - the documented password of the demo logins
SALES_PREFIX = "DEMO-"
MARKER_TERRITORY = "WORLD"
SEED = 20260815

# World (depth 0) › region (1) › sub-region (2) › area (3); partners sit on the areas.
TERRITORIES: tuple[Node, ...] = (
    Node("WORLD", "World", None),
    Node("EMEA", "EMEA", "WORLD"),
    Node("AMER", "Americas", "WORLD"),
    Node("APAC", "Asia Pacific", "WORLD"),
    Node("DACH", "DACH", "EMEA"),
    Node("FRANCE", "France", "EMEA"),
    Node("UKI", "UK & Ireland", "EMEA"),
    Node("NORDICS", "Nordics", "EMEA"),
    Node("NORTH-AMERICA", "North America", "AMER"),
    Node("LATAM", "Latin America", "AMER"),
    Node("JAPAN", "Japan", "APAC"),
    Node("ANZ", "Australia & New Zealand", "APAC"),
    Node("DE-SOUTH", "Germany-South", "DACH"),
    Node("DE-NORTH", "Germany-North", "DACH"),
    Node("AUSTRIA", "Austria", "DACH"),
    Node("SWITZERLAND", "Switzerland", "DACH"),
    Node("FR-NORTH", "France-North", "FRANCE"),
    Node("FR-SOUTH", "France-South", "FRANCE"),
    Node("UK-SOUTH", "UK-South", "UKI"),
    Node("UK-NORTH", "UK-North", "UKI"),
    Node("IRELAND", "Ireland", "UKI"),
    Node("SWEDEN", "Sweden", "NORDICS"),
    Node("FINLAND", "Finland", "NORDICS"),
    Node("US-EAST", "US-East", "NORTH-AMERICA"),
    Node("US-CENTRAL", "US-Central", "NORTH-AMERICA"),
    Node("US-WEST", "US-West", "NORTH-AMERICA"),
    Node("CANADA", "Canada", "NORTH-AMERICA"),
    Node("BRAZIL", "Brazil", "LATAM"),
    Node("MEXICO", "Mexico", "LATAM"),
    Node("JP-EAST", "Japan-East (Kanto)", "JAPAN"),
    Node("JP-WEST", "Japan-West (Kansai)", "JAPAN"),
    Node("AUSTRALIA", "Australia", "ANZ"),
    Node("NEW-ZEALAND", "New Zealand", "ANZ"),
)

CATEGORIES: tuple[Node, ...] = (
    Node("HARDWARE", "Hardware", None),
    Node("SECURITY", "Security", None),
    Node("SOFTWARE", "Software", None),
    Node("SERVICES", "Services", None),
    Node("NET", "Networking", "HARDWARE"),
    Node("STORAGE", "Storage", "HARDWARE"),
    Node("SWITCHES", "Switches", "NET"),
    Node("ROUTERS", "Routers", "NET"),
    Node("WIRELESS", "Wireless", "NET"),
    Node("FIREWALLS", "Firewalls", "SECURITY"),
    Node("ENDPOINT", "Endpoint protection", "SECURITY"),
    Node("LICENCES", "Licences", "SOFTWARE"),
    Node("SUBSCRIPTIONS", "Subscriptions", "SOFTWARE"),
    Node("SUPPORT", "Support", "SERVICES"),
    Node("PROSERV", "Professional services", "SERVICES"),
)


def _p(sku: str, name: str, category: str, price: str) -> ProductSpec:
    return ProductSpec(sku, f"Nexaline {name}", category, Decimal(price))


PRODUCTS: tuple[ProductSpec, ...] = (
    _p("NX-S1008", "S1008 8-port Gigabit Switch", "SWITCHES", "249"),
    _p("NX-S1016M", "S1016M 16-port Managed Switch", "SWITCHES", "429"),
    _p("NX-S1024", "S1024 24-port Gigabit Switch", "SWITCHES", "689"),
    _p("NX-S1048P", "S1048P 48-port PoE+ Switch", "SWITCHES", "2190"),
    _p("NX-S2024X", "S2024X 24-port 10G Switch", "SWITCHES", "4850"),
    _p("NX-S3048X", "S3048X 48-port 10G Aggregation Switch", "SWITCHES", "9400"),
    _p("NX-S4032Q", "S4032Q 32-port 100G Core Switch", "SWITCHES", "24900"),
    _p("NX-SFP10-SR", "10G SFP+ SR Transceiver", "SWITCHES", "89"),
    _p("NX-R100", "R100 Branch Router", "ROUTERS", "549"),
    _p("NX-R300", "R300 SD-WAN Edge Router", "ROUTERS", "1290"),
    _p("NX-R500", "R500 Branch Router with LTE", "ROUTERS", "1890"),
    _p("NX-R900", "R900 Campus Router", "ROUTERS", "6700"),
    _p("NX-R2000", "R2000 Service Provider Router", "ROUTERS", "18500"),
    _p("NX-R-5G", "5G Failover Module", "ROUTERS", "399"),
    _p("NX-AP210", "AP210 Wi-Fi 6 Indoor Access Point", "WIRELESS", "329"),
    _p("NX-AP410", "AP410 Wi-Fi 6E Indoor Access Point", "WIRELESS", "549"),
    _p("NX-AP610", "AP610 Wi-Fi 7 High-Density Access Point", "WIRELESS", "899"),
    _p("NX-AP450O", "AP450O Wi-Fi 6 Outdoor Access Point", "WIRELESS", "799"),
    _p("NX-WLC50", "WLC50 Wireless Controller (50 APs)", "WIRELESS", "2400"),
    _p("NX-WLC500", "WLC500 Wireless Controller (500 APs)", "WIRELESS", "11900"),
    _p("NX-AP-MNT", "Access Point Ceiling Mount Kit", "WIRELESS", "29"),
    _p("NX-NAS4", "NAS4 4-bay Desktop NAS", "STORAGE", "1190"),
    _p("NX-NAS12", "NAS12 12-bay Rackmount NAS", "STORAGE", "4600"),
    _p("NX-SAN24", "SAN24 24-drive All-Flash Array", "STORAGE", "38000"),
    _p("NX-HDD16T", "16 TB Enterprise HDD", "STORAGE", "429"),
    _p("NX-SSD3T84", "3.84 TB Enterprise SSD", "STORAGE", "699"),
    _p("NX-FW40", "FW40 Desktop Firewall", "FIREWALLS", "690"),
    _p("NX-FW100", "FW100 Branch Firewall", "FIREWALLS", "1650"),
    _p("NX-FW400", "FW400 Midrange Firewall", "FIREWALLS", "7900"),
    _p("NX-FW1200", "FW1200 Datacenter Firewall", "FIREWALLS", "29500"),
    _p("NX-FW-VM4", "Virtual Firewall (4 vCPU)", "FIREWALLS", "2900"),
    _p("NX-FW-HA", "Firewall HA Cluster Kit", "FIREWALLS", "450"),
    _p("NX-EDR-STD", "Endpoint Protection Standard, per device/year", "ENDPOINT", "38"),
    _p("NX-EDR-ADV", "Endpoint Detection & Response, per device/year", "ENDPOINT", "64"),
    _p("NX-MDM", "Mobile Device Management, per device/year", "ENDPOINT", "24"),
    _p("NX-MFA", "Multi-Factor Authentication, per user/year", "ENDPOINT", "36"),
    _p("NX-LIC-NMS", "Network Manager Licence (100 nodes)", "LICENCES", "4900"),
    _p("NX-LIC-NMS25", "Network Manager 25-node Add-on", "LICENCES", "990"),
    _p("NX-LIC-SDWAN", "SD-WAN Controller Licence", "LICENCES", "7500"),
    _p("NX-LIC-L3", "Layer 3 Feature Licence", "LICENCES", "1200"),
    _p("NX-LIC-100G", "100G Port Activation Licence", "LICENCES", "3200"),
    _p("NX-LIC-ANA", "Traffic Analytics Licence", "LICENCES", "5600"),
    _p("NX-SUB-CLD-AP", "Cloud Management per Access Point/year", "SUBSCRIPTIONS", "120"),
    _p("NX-SUB-CLD-SW", "Cloud Management per Switch/year", "SUBSCRIPTIONS", "180"),
    _p("NX-SUB-UTP", "Unified Threat Protection, Branch, 1 year", "SUBSCRIPTIONS", "490"),
    _p("NX-SUB-UTP-DC", "Unified Threat Protection, Datacenter, 1 year", "SUBSCRIPTIONS", "6900"),
    _p("NX-SUB-SDWAN", "SD-WAN Subscription per site/year", "SUBSCRIPTIONS", "840"),
    _p("NX-SUB-ZTNA", "Zero Trust Access per user/year", "SUBSCRIPTIONS", "72"),
    _p("NX-SUP-NBD", "Next-Business-Day Replacement, 1 year", "SUPPORT", "180"),
    _p("NX-SUP-4H", "4-Hour Onsite Support, 1 year", "SUPPORT", "1450"),
    _p("NX-SUP-247", "24x7 Technical Support, 1 year", "SUPPORT", "890"),
    _p("NX-SUP-EXT3", "Extended Warranty, 3 years", "SUPPORT", "290"),
    _p("NX-SUP-TAM", "Technical Account Manager, per quarter", "SUPPORT", "12000"),
    _p("NX-PS-INST", "Installation Service, per device", "PROSERV", "150"),
    _p("NX-PS-DESIGN", "Network Design Workshop (2 days)", "PROSERV", "3800"),
    _p("NX-PS-MIGR", "Firewall Migration Service", "PROSERV", "5500"),
    _p("NX-PS-TRAIN", "Administrator Training, per seat", "PROSERV", "1200"),
)

COUNTRY_CURRENCY = {
    "DE": "EUR",
    "AT": "EUR",
    "CH": "CHF",
    "FR": "EUR",
    "GB": "GBP",
    "IE": "EUR",
    "SE": "SEK",
    "FI": "EUR",
    "US": "USD",
    "CA": "CAD",
    "BR": "USD",  # LATAM channel business is invoiced in USD
    "MX": "USD",
    "JP": "JPY",
    "AU": "AUD",
    "NZ": "NZD",
}

# Approximate value of one unit in USD when the demo period starts; weekly rates drift from here.
BASE_RATES = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.16"),
    "GBP": Decimal("1.34"),
    "JPY": Decimal("0.0068"),
    "CHF": Decimal("1.24"),
    "SEK": Decimal("0.105"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "NZD": Decimal("0.60"),
}

PARTNERS: tuple[PartnerSpec, ...] = (
    # DACH
    PartnerSpec("ALPENNETZ", "Alpennetz Systemhaus GmbH", "DE-SOUTH", "DE", "gold"),
    PartnerSpec("ISARTEC", "Isartec IT-Service GmbH", "DE-SOUTH", "DE", "silver"),
    PartnerSpec(
        "SCHWARZWALD-DATA", "Schwarzwald Datentechnik GmbH", "DE-SOUTH", "DE", "registered"
    ),
    PartnerSpec("HANSE-GROUP", "Hanse Datentechnik Gruppe AG", "DE-NORTH", "DE", "platinum"),
    PartnerSpec(
        "HANSE-HH", "Hanse Datentechnik Hamburg GmbH", "DE-NORTH", "DE", "gold", "HANSE-GROUP"
    ),
    PartnerSpec(
        "HANSE-MUC", "Hanse Datentechnik München GmbH", "DE-SOUTH", "DE", "gold", "HANSE-GROUP"
    ),
    PartnerSpec(
        "HANSE-WIEN", "Hanse Datentechnik Wien GmbH", "AUSTRIA", "AT", "silver", "HANSE-GROUP"
    ),
    PartnerSpec("NORDLICHT", "Nordlicht Netzwerke GmbH", "DE-NORTH", "DE", "silver"),
    PartnerSpec("ELBE-IT", "Elbe IT-Solutions GmbH", "DE-NORTH", "DE", "registered"),
    PartnerSpec("DONAU-DIGITAL", "Donau Digital GmbH", "AUSTRIA", "AT", "gold"),
    PartnerSpec("TIROL-NET", "Tirol Netzwerk KG", "AUSTRIA", "AT", "registered"),
    PartnerSpec("HELVETIA-NETCOM", "Helvetia Netcom AG", "SWITZERLAND", "CH", "platinum"),
    PartnerSpec("LIMMAT-SYSTEMS", "Limmat Systems GmbH", "SWITZERLAND", "CH", "silver"),
    # France
    PartnerSpec("LUMIERE-RESEAUX", "Lumière Réseaux SAS", "FR-NORTH", "FR", "gold"),
    PartnerSpec("SEINE-INFO", "Seine Informatique SARL", "FR-NORTH", "FR", "silver"),
    PartnerSpec("LOIRE-NUMERIQUE", "Loire Numérique SAS", "FR-NORTH", "FR", "registered"),
    PartnerSpec("ATLANTIQUE-TELECOM", "Atlantique Télécom SAS", "FR-NORTH", "FR", "gold"),
    PartnerSpec("PROVENCE-INFO", "Provence Informatique SARL", "FR-SOUTH", "FR", "silver"),
    PartnerSpec("AZUR-SECURITE", "Azur Sécurité Systèmes SAS", "FR-SOUTH", "FR", "registered"),
    # UK & Ireland
    PartnerSpec("BRITANNIA-GROUP", "Britannia Comms Group plc", "UK-SOUTH", "GB", "platinum"),
    PartnerSpec(
        "BRITANNIA-LDN", "Britannia Comms London Ltd", "UK-SOUTH", "GB", "gold", "BRITANNIA-GROUP"
    ),
    PartnerSpec(
        "BRITANNIA-MAN",
        "Britannia Comms Manchester Ltd",
        "UK-NORTH",
        "GB",
        "gold",
        "BRITANNIA-GROUP",
    ),
    PartnerSpec("THAMES-VALLEY", "Thames Valley Networks Ltd", "UK-SOUTH", "GB", "silver"),
    PartnerSpec("PENNINE-IT", "Pennine IT Ltd", "UK-NORTH", "GB", "registered"),
    PartnerSpec("CLYDE-SYSTEMS", "Clyde Systems Ltd", "UK-NORTH", "GB", "silver"),
    PartnerSpec("LIFFEY-SYSTEMS", "Liffey Systems Ltd", "IRELAND", "IE", "gold"),
    # Nordics
    PartnerSpec("NORRSKEN-DATA", "Norrsken Data AB", "SWEDEN", "SE", "gold"),
    PartnerSpec("GOTA-NATVERK", "Göta Nätverk AB", "SWEDEN", "SE", "registered"),
    PartnerSpec("REVONTULI-IT", "Revontuli IT Oy", "FINLAND", "FI", "silver"),
    # North America
    PartnerSpec("KEYSTONE-GROUP", "Keystone Solutions Group Inc.", "US-EAST", "US", "platinum"),
    PartnerSpec(
        "KEYSTONE-NY", "Keystone Solutions New York LLC", "US-EAST", "US", "gold", "KEYSTONE-GROUP"
    ),
    PartnerSpec(
        "KEYSTONE-TX", "Keystone Solutions Texas LLC", "US-CENTRAL", "US", "gold", "KEYSTONE-GROUP"
    ),
    PartnerSpec(
        "KEYSTONE-CA", "Keystone Solutions Pacific LLC", "US-WEST", "US", "silver", "KEYSTONE-GROUP"
    ),
    PartnerSpec("HARBORLINE", "Harborline Technologies Inc.", "US-EAST", "US", "gold"),
    PartnerSpec("PRAIRIE-TECH", "Prairie Tech Solutions Inc.", "US-CENTRAL", "US", "silver"),
    PartnerSpec("CASCADE-NET", "Cascade Network Partners LLC", "US-WEST", "US", "platinum"),
    PartnerSpec("GOLDEN-GATE", "Golden Gate Integrators Inc.", "US-WEST", "US", "silver"),
    PartnerSpec("MAPLE-NETWORKS", "Maple Networks Inc.", "CANADA", "CA", "gold"),
    PartnerSpec("LAURENTIAN", "Laurentian Systèmes Inc.", "CANADA", "CA", "registered"),
    # Latin America
    PartnerSpec("RIO-CONECTA", "Rio Conecta Tecnologia Ltda.", "BRAZIL", "BR", "silver"),
    PartnerSpec("PAULISTA-REDES", "Paulista Redes e Segurança Ltda.", "BRAZIL", "BR", "registered"),
    PartnerSpec("SIERRA-MADRE", "Sierra Madre Redes S.A. de C.V.", "MEXICO", "MX", "gold"),
    # Japan
    PartnerSpec("SAKURA-NET", "Sakura Network Solutions K.K.", "JP-EAST", "JP", "platinum"),
    PartnerSpec("FUJI-DATA", "Fuji Data Systems Co., Ltd.", "JP-EAST", "JP", "gold"),
    PartnerSpec("KANSAI-DATA", "Kansai Data Systems Co., Ltd.", "JP-WEST", "JP", "silver"),
    PartnerSpec("NANIWA-IT", "Naniwa IT Service Co., Ltd.", "JP-WEST", "JP", "registered"),
    # Australia & New Zealand
    PartnerSpec("SOUTHERN-CROSS", "Southern Cross Networks Pty Ltd", "AUSTRALIA", "AU", "gold"),
    PartnerSpec("BONDI-TECH", "Bondi Technology Group Pty Ltd", "AUSTRALIA", "AU", "silver"),
    PartnerSpec("KIWI-CONNECT", "Kiwi Connect Ltd", "NEW-ZEALAND", "NZ", "silver"),
)

# Partners that move to another area mid-quarter (sales before the move stay with the old one).
MOVES = {
    "NORDLICHT": "DE-SOUTH",
    "ATLANTIQUE-TELECOM": "FR-SOUTH",
    "PRAIRIE-TECH": "US-WEST",
}

# Partners promoted or demoted at the start of the quarter's second month.
TIER_CHANGES = {
    "ELBE-IT": "silver",
    "CLYDE-SYSTEMS": "gold",
    "HARBORLINE": "silver",
    "CASCADE-NET": "gold",
}

DACH_PARTNER = "ALPENNETZ"
FRENCH_PARTNER = "LUMIERE-RESEAUX"

LOGINS: tuple[Login, ...] = (
    Login("admin", "admin@demo.example", "Ada Admin", "users, roles, territories, audit trail"),
    Login(
        "finance",
        "finance@demo.example",
        "Fiona Finance",
        "all partners and sales; imports, programs, runs, audit",
    ),
    Login(
        "finance",
        "finance2@demo.example",
        "Felix Finance",
        "as finance; the second approver (maker-checker)",
    ),
    Login(
        "channel_manager",
        "manager.emea@demo.example",
        "Emma EMEA",
        "partners and sales in EMEA (DACH, France, UK-I, Nordics)",
        territories=("EMEA",),
    ),
    Login(
        "channel_manager",
        "manager.dach@demo.example",
        "Dieter DACH",
        "partners and sales in DACH (Germany, Austria, Switzerland)",
        territories=("DACH",),
    ),
    Login(
        "partner_admin",
        "partner.admin@demo.example",
        "Paula Berger",
        "Alpennetz Systemhaus GmbH only; manages its users",
        partner=DACH_PARTNER,
    ),
    Login(
        "partner_user",
        "partner.user@demo.example",
        "Peter Huber",
        "Alpennetz Systemhaus GmbH (DACH) only",
        partner=DACH_PARTNER,
    ),
    Login(
        "partner_user",
        "partner.fr@demo.example",
        "Sophie Martin",
        "Lumière Réseaux SAS (France) only; French interface",
        partner=FRENCH_PARTNER,
        locale="fr",
    ),
)
