"""The words `domain.places` reads places and people with: FR/EN/DE/IT/NL abbreviations and street
types, one name per city in any language, country names and codes, junk signers, company
markers. Data only, kept apart so that the rules in places.py read on one screen or two."""


def _table(*groups: tuple[str, ...]) -> dict[str, str]:
    """{form: canonical} from groups whose first member is the canonical form."""
    return {form: group[0] for group in groups for form in group}


# Abbreviations folded to one canonical word on both sides. "st" stands for both "street" and
# "saint", "dr" for "drive" and "docteur": the same key on both sides is all a comparison needs.
ABBREVIATIONS = _table(
    ("boulevard", "bd", "bld", "blvd", "boul", "bvd"),
    ("avenue", "av", "ave", "avn", "avda", "avenida"),
    ("st", "street", "saint", "sankt", "sint"),
    ("ste", "sainte"),
    ("place", "pl", "platz", "plaza", "plein"),
    ("piazza", "pza", "pzza"),
    ("piazzale", "ple"),
    ("viale", "vle"),
    ("corso", "cso"),
    ("largo", "lgo"),
    ("vicolo", "vlo"),
    ("strasse", "str", "strada"),
    ("chemin", "ch", "chem"),
    ("impasse", "imp"),
    ("route", "rte"),
    ("faubourg", "fbg", "fg"),
    ("square", "sq"),
    ("cours", "crs"),
    ("esplanade", "esp"),
    ("promenade", "prom"),
    ("traverse", "trav"),
    ("residence", "res", "resid"),
    ("batiment", "bat", "bldg", "building"),
    ("apt", "app", "appt", "apartment", "appartement"),
    ("road", "rd"),
    ("dr", "drive", "docteur", "doctor", "doktor"),
    ("lane", "ln"),
    ("parkway", "pkwy"),
    ("highway", "hwy"),
    ("general", "gal", "gen"),
    ("marechal", "mal"),
    ("president", "pdt", "pres"),
    ("professeur", "prof", "professor"),
    ("commandant", "cdt", "cmdt"),
    ("mt", "mont", "mount"),
)

# Canonical street types. A street's type is never compared with its name words.
STREET_TYPES = frozenset({
    "rue", "boulevard", "avenue", "place", "chemin", "impasse", "route", "faubourg", "square",
    "cours", "quai", "allee", "esplanade", "promenade", "traverse", "passage", "sentier", "voie",
    "st", "road", "lane", "way", "parkway", "highway",
    "strasse", "gasse", "weg", "ring", "damm", "ufer", "chaussee",
    "straat", "laan", "steenweg", "lei", "dreef",
    "via", "viale", "piazza", "piazzale", "corso", "largo", "vicolo",
    "calle", "carrer", "rua",
})

# German and Dutch streets are one word: "Hauptstraße", "Hauptstr.", "Kerkstraat". Longest first.
STREET_SUFFIXES = (
    ("steenweg", "steenweg"), ("strasse", "strasse"), ("straat", "straat"), ("platz", "place"),
    ("plein", "place"), ("allee", "allee"), ("gasse", "gasse"), ("laan", "laan"), ("str", "strasse"),
    ("weg", "weg"),
)

# Words that are part of no name: articles and prepositions, FR/EN/DE/IT/NL/ES.
SMALL_WORDS = frozenset({
    "de", "du", "des", "la", "le", "les", "l", "d", "au", "aux", "en", "sur", "sous", "lez",
    "the", "of", "at", "di", "del", "della", "dello", "dei", "degli", "delle", "da", "dal", "dalla",
    "van", "von", "der", "den", "dem", "het", "am", "an", "im", "zum", "zur", "y", "e", "et",
    "and", "und",
})

MONTHS = frozenset({
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre",
    "decembre", "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "januar", "februar", "marz", "maerz", "juni", "juli", "oktober",
    "dezember", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
    "ottobre", "dicembre",
})
HOUSE_SUFFIXES = frozenset({"bis", "ter", "quater", "a", "b", "c", "d"})
# Words that number a flat or a box, not the house: the number after them is not a house number.
UNIT_WORDS = frozenset({"apt", "batiment", "etage", "escalier", "esc", "porte", "bte", "boite", "bus",
                         "box", "wohnung", "interno", "int", "scala", "piano", "floor", "unit", "suite"})
# Words that start a segment naming a building rather than a city.
BUILDING_WORDS = frozenset({"residence", "batiment", "apt", "immeuble", "lieu", "lotissement", "zi", "za",
                             "zone", "centre", "hameau", "cs", "bp", "tsa"})

# A French address (used only to read a scan's 5-digit postal code as a French one).
FRENCH_WORDS = frozenset({"rue", "boulevard", "chemin", "impasse", "quai", "faubourg", "cedex",
                           "chronopost", "colissimo", "laposte", "ppdc", "pdc"})

# Words of a pickup place's name that say what kind of place it is, not which one.
PICKUP_WORDS = frozenset({
    "bureau", "poste", "postes", "bp", "laposte", "relais", "relay", "pickup", "pick", "up", "parcelshop",
    "parcel", "shop", "point", "points", "retrait", "colis", "agence", "dpd", "chronopost", "colissimo",
    "dhl", "ups", "gls", "fedex", "tnt", "mondial", "hermes", "inpost", "packstation", "paketshop",
    "paket", "postfiliale", "filiale", "servicepoint", "service", "locker", "lockers", "consigne",
    "access", "store", "pudo", "ufficio", "postale", "punto", "fermopoint", "kiala", "station",
    "postkantoor", "pakketpunt", "afhaalpunt", "express", "parcelshops", "pick-up",
})
# Markers of a pickup place in a delivered-to address: it is not a home.
PICKUP_MARKERS = frozenset({
    "relais", "relay", "pickup", "parcelshop", "parcelshops", "locker", "lockers", "packstation",
    "paketshop", "postfiliale", "servicepoint", "consigne", "pudo", "fermopoint", "kiala",
    "postkantoor", "pakketpunt", "afhaalpunt", "poste", "postale", "inpost",
})
# A scan at a depot or sorting centre that happens to carry the pickup place's words is no proof
# that the parcel is at the pickup place.
DEPOT_WORDS = frozenset({"plateforme", "platform", "tri", "hub", "depot", "facility", "sorting", "ppdc",
                          "pic", "gateway", "warehouse", "entrepot", "zustellbasis", "paketzentrum",
                          "centro", "smistamento", "sortering", "sorteercentrum"})

# One name per city whichever language the carrier writes it in, with its country. Cities only:
# no name that is also a common word, a French commune ("Vienne", "Valence") or an ambiguous
# city ("Fribourg"/"Freiburg").
CITIES: tuple[tuple[str, ...], ...] = (
    ("FR", "paris", "parigi", "parijs"),
    ("FR", "lyon", "lyons", "lione"),
    ("FR", "marseille", "marseilles", "marsiglia", "marsella"),
    ("FR", "lille", "rijsel"),
    ("FR", "toulouse", "tolosa"),
    ("FR", "bordeaux", "burdeos"),
    ("FR", "nice", "nizza", "niza"),
    ("FR", "nantes"),
    ("FR", "strasbourg", "strassburg", "strasburgo", "estrasburgo"),
    ("FR", "montpellier"),
    ("FR", "rennes"),
    ("FR", "arras", "atrecht"),
    ("FR", "dunkerque", "dunkirk", "duinkerke"),
    ("IT", "milan", "milano", "mailand"),
    ("IT", "rome", "roma", "rom"),
    ("IT", "florence", "firenze", "florenz", "florencia"),
    ("IT", "venice", "venezia", "venise", "venedig", "venecia"),
    ("IT", "turin", "torino", "turim"),
    ("IT", "naples", "napoli", "neapel", "napoles"),
    ("IT", "genoa", "genova", "genes", "genua"),
    ("IT", "padua", "padova", "padoue"),
    ("IT", "bolzano", "bozen"),
    ("DE", "munich", "munchen", "muenchen", "monaco di baviera"),
    ("DE", "cologne", "koln", "koeln", "colonia", "keulen"),
    ("DE", "bonn",),
    ("DE", "berlin", "berlino"),
    ("DE", "hamburg", "hambourg", "amburgo", "hamburgo"),
    ("DE", "frankfurt", "francfort", "francoforte", "frankfurt am main", "francfort sur le main"),
    ("DE", "aachen", "aix la chapelle", "aquisgrana", "aken"),
    ("DE", "nuremberg", "nurnberg", "nuernberg", "norimberga"),
    ("DE", "hanover", "hannover", "hanovre"),
    ("DE", "brunswick", "braunschweig"),
    ("DE", "mainz", "mayence", "magonza"),
    ("DE", "trier", "treves", "treviri"),
    ("DE", "koblenz", "coblence"),
    ("DE", "saarbrucken", "saarbruecken", "sarrebruck"),
    ("DE", "dusseldorf", "duesseldorf"),
    ("DE", "stuttgart", "stoccarda"),
    ("DE", "leipzig", "lipsia"),
    ("DE", "dresden", "dresde"),
    ("BE", "brussels", "bruxelles", "brussel", "bruessel", "bruselas", "bruxelas"),
    ("BE", "antwerp", "anvers", "antwerpen", "amberes", "anversa"),
    ("BE", "ghent", "gand", "gent", "gante"),
    ("BE", "liege", "luik", "luttich", "luettich"),
    ("BE", "mechelen", "malines", "mecheln"),
    ("BE", "bruges", "brugge"),
    ("BE", "leuven", "louvain", "lowen"),
    ("BE", "kortrijk", "courtrai"),
    ("BE", "ostend", "ostende", "oostende"),
    ("BE", "namur",),
    ("NL", "the hague", "den haag", "la haye", "s gravenhage", "l aia", "la haya"),
    ("NL", "amsterdam",),
    ("NL", "rotterdam",),
    ("NL", "maastricht", "maestricht"),
    ("NL", "utrecht",),
    ("CH", "geneva", "geneve", "genf", "ginevra", "ginebra"),
    ("CH", "zurich", "zuerich", "zurigo"),
    ("CH", "basel", "bale", "basle", "basilea"),
    ("CH", "bern", "berne", "berna"),
    ("CH", "lucerne", "luzern", "lucerna"),
    ("CH", "lausanne", "losanna"),
    ("AT", "vienna", "wien", "viena"),
    ("AT", "salzburg", "salzbourg", "salisburgo"),
    ("GB", "london", "londres", "londra", "londen"),
    ("GB", "edinburgh", "edimbourg"),
    ("ES", "seville", "sevilla", "siviglia", "sevilha"),
    ("ES", "madrid",),
    ("ES", "barcelona", "barcelone", "barcellona"),
    ("ES", "saragossa", "zaragoza", "saragosse"),
    ("PT", "lisbon", "lisboa", "lisbonne", "lissabon", "lisbona"),
    ("CZ", "prague", "praha", "prag", "praga"),
    ("PL", "warsaw", "warszawa", "varsovie", "warschau", "varsavia", "varsovia"),
    ("PL", "krakow", "cracovie", "krakau", "cracovia"),
    ("DK", "copenhagen", "kobenhavn", "copenhague", "kopenhagen", "copenaghen"),
    ("GR", "athens", "athina", "athenes", "athen", "atene", "atenas", "athinai"),
    ("LU", "luxembourg", "luxemburg", "lussemburgo"),
    ("SE", "stockholm",),
    ("FI", "helsinki", "helsingfors"),
    ("IE", "dublin",),
    ("HU", "budapest",),
    ("RO", "bucharest", "bucuresti", "bucarest", "bukarest"),
)

# Country names as a carrier writes them after a city ("Milan - Italy", "Bonn, Germany").
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "FR": ("france", "frankreich", "francia", "frankrijk", "franca"),
    "DE": ("germany", "allemagne", "deutschland", "germania", "alemania", "duitsland", "niemcy"),
    "IT": ("italy", "italie", "italia", "italien"),
    "BE": ("belgium", "belgique", "belgie", "belgien", "belgio", "belgica"),
    "NL": ("netherlands", "the netherlands", "pays bas", "nederland", "niederlande", "paesi bassi",
           "holland", "paises bajos"),
    "LU": ("luxembourg", "luxemburg", "lussemburgo", "grand duche de luxembourg"),
    "CH": ("switzerland", "suisse", "schweiz", "svizzera", "suiza"),
    "AT": ("austria", "autriche", "osterreich", "oesterreich"),
    "ES": ("spain", "espagne", "espana", "spanien", "spagna"),
    "PT": ("portugal", "portogallo"),
    "GB": ("united kingdom", "uk", "great britain", "royaume uni", "england", "grossbritannien",
           "regno unito", "reino unido", "scotland", "wales", "northern ireland"),
    "IE": ("ireland", "irlande", "irland", "irlanda", "eire"),
    "PL": ("poland", "pologne", "polen", "polska", "polonia"),
    "CZ": ("czech republic", "czechia", "republique tcheque", "tschechien", "cesko", "ceska republika"),
    "DK": ("denmark", "danemark", "danmark", "danimarca", "dinamarca", "daenemark"),
    "SE": ("sweden", "suede", "schweden", "sverige", "svezia", "suecia"),
    "NO": ("norway", "norvege", "norwegen", "norge"),
    "FI": ("finland", "finlande", "finnland", "suomi"),
    "GR": ("greece", "grece", "griechenland", "grecia", "hellas", "ellada"),
    "HU": ("hungary", "hongrie", "ungarn", "magyarorszag"),
    "RO": ("romania", "roumanie", "rumanien"),
    "SK": ("slovakia", "slovaquie", "slowakei"),
    "SI": ("slovenia", "slovenie", "slowenien"),
    "HR": ("croatia", "croatie", "kroatien", "hrvatska"),
    "BG": ("bulgaria", "bulgarie", "bulgarien"),
    "MC": ("monaco", "principaute de monaco"),
    "US": ("united states", "united states of america", "usa", "etats unis", "vereinigte staaten",
           "stati uniti", "estados unidos"),
    "CA": ("canada", "kanada"),
    "CN": ("china", "chine", "volksrepublik china"),
    "JP": ("japan", "japon", "giappone"),
    "MA": ("morocco", "maroc", "marokko", "marocco"),
    "TN": ("tunisia", "tunisie", "tunesien"),
    "DZ": ("algeria", "algerie", "algerien"),
    "TR": ("turkey", "turquie", "turkei", "turkiye", "turchia"),
    "AU": ("australia", "australie", "australien"),
    "NZ": ("new zealand", "nouvelle zelande", "neuseeland"),
    "IN": ("india", "inde", "indien"),
    "BR": ("brazil", "bresil", "brasil", "brasilien"),
    "MX": ("mexico", "mexique", "mexiko"),
    "KR": ("south korea", "coree du sud", "sudkorea"),
    "SG": ("singapore", "singapour", "singapur"),
    "HK": ("hong kong",),
    "AE": ("united arab emirates", "emirats arabes unis"),
}
ISO3 = {"FRA": "FR", "DEU": "DE", "ITA": "IT", "BEL": "BE", "NLD": "NL", "LUX": "LU", "CHE": "CH", "AUT": "AT",
         "ESP": "ES", "PRT": "PT", "GBR": "GB", "IRL": "IE", "POL": "PL", "CZE": "CZ", "DNK": "DK", "SWE": "SE",
         "NOR": "NO", "FIN": "FI", "GRC": "GR", "HUN": "HU", "ROU": "RO", "SVK": "SK", "SVN": "SI", "HRV": "HR",
         "BGR": "BG", "MCO": "MC", "USA": "US", "CAN": "CA", "CHN": "CN", "JPN": "JP", "MAR": "MA", "TUN": "TN",
         "DZA": "DZ", "TUR": "TR", "AUS": "AU", "NZL": "NZ", "IND": "IN", "BRA": "BR", "MEX": "MX", "KOR": "KR",
         "SGP": "SG", "HKG": "HK", "ARE": "AE"}
ISO2 = frozenset(COUNTRY_NAMES) | {"EE", "LV", "LT", "MT", "CY", "IS", "LI", "AD", "SM", "VA", "MX", "BR",
                                     "KR", "IN", "AU", "NZ", "IL", "AE", "SG", "HK", "RU", "UA"}
# Two letters that also abbreviate a US state or Canadian province ("Dover, DE" is Delaware) or
# an Italian province ("Firenze (FI)" is Florence, "Cassino (FR)" is Frosinone): read as a
# country only when a city of the text belongs to that country ("Bonn, DE", "Genève (CH)").
# In parentheses only the Italian ones are in doubt: "Aschaffenburg (DE)" is in Germany.
US_REGIONS = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR AB BC MB NB NL NS NT NU ON PE QC SK YT".split()
)
ITALIAN_PROVINCES = frozenset(
    "AG AL AN AO AP AQ AR AT AV BA BG BI BL BN BO BR BS BT BZ CA CB CE CH CL CN CO CR CS CT CZ EN FC FE FG FI FM "
    "FR GE GO GR IM IS KR LC LE LI LO LT LU MB MC ME MI MN MO MS MT NA NO NU OR OT PA PC PD PE PG PI PN PO PR PT "
    "PU PV PZ RA RC RE RG RI RM RN RO SA SI SO SP SR SS SU SV TA TE TN TO TP TR TS TV UD VA VB VC VE VI VR VT VV".split()
)
# Old European postal prefixes: "D-53113 Bonn", "B-2800 Mechelen", "F-75011 Paris".
POSTAL_PREFIXES = {"D": "DE", "F": "FR", "B": "BE", "I": "IT", "A": "AT", "CH": "CH", "L": "LU", "NL": "NL",
                    "E": "ES", "P": "PT", "PL": "PL", "DK": "DK", "CZ": "CZ", "S": "SE", "FIN": "FI", "N": "NO",
                    "DE": "DE", "FR": "FR", "BE": "BE", "IT": "IT", "AT": "AT", "LU": "LU", "ES": "ES"}

# Île-de-France: Paris parcels leave from depots in the inner and outer suburbs (Rungis 94,
# Gennevilliers 92, Wissous 91...): one area for the postal-code rule on scans.
ILE_DE_FRANCE = frozenset({"75", "77", "78", "91", "92", "93", "94", "95"})


TITLES = frozenset({"mr", "mrs", "ms", "miss", "mme", "mmes", "mlle", "mlles", "monsieur", "madame",
                     "mademoiselle", "messieurs", "herr", "frau", "hr", "dr", "prof", "sig", "sigra", "sra",
                     "sr", "signor", "signora", "signorina", "don", "dona", "mx", "sir", "dame", "mister", "me"})
CONNECTORS = frozenset({"et", "and", "und", "e", "y", "ou", "or", "u"})
PARTICLES = frozenset({"de", "del", "della", "di", "da", "du", "des", "la", "le", "van", "von", "der", "den",
                        "ten", "ter", "zu", "dos", "das", "do"})
# A carrier writing that a neighbour signed. (French "Voisin" is also a surname: alone, it is
# read as a name.)
NEIGHBOUR_WORDS = frozenset({"neighbour", "neighbor", "neighbours", "neighbors", "nachbar", "nachbarin",
                              "nachbarn", "buur", "buren", "buurman", "buurvrouw"})
NEIGHBOUR_ROMANCE = frozenset({"voisin", "voisine", "voisins", "vicino", "vicina", "vecino", "vecina"})
# Signers that name no person: placeholders, "the recipient" without a name, where it was left.
JUNK_WORDS = frozenset({
    "n", "a", "na", "nn", "none", "null", "nil", "unknown", "inconnu", "inconnue", "unbekannt", "sconosciuto",
    "signature", "signatures", "signed", "sig", "sign", "signe", "signee", "on", "file", "sof", "not", "no",
    "required", "nsr", "sans", "pas", "de", "non", "ok", "test", "x", "xx", "xxx", "customer", "client",
    "cliente", "kunde", "recipient", "receiver", "reciever", "destinataire", "empfanger", "empfaenger",
    "destinatario", "addressee",
    "see", "notes", "voir", "illisible", "illegible", "unleserlich", "received", "recu", "recue", "erhalten",
    "front", "back", "side", "door", "porch", "garage", "reception", "receptionist", "accueil", "gardien",
    "gardienne", "concierge", "desk", "lobby", "mail", "mailroom", "room", "mailbox", "box", "letterbox",
    "boite", "aux", "lettres", "bal", "security", "guard", "doorman", "office", "dock", "shipping",
    "receiving", "residential", "residence", "safe", "place", "driver", "release", "released", "left", "at",
    "the", "delivered", "livre", "livree", "depose", "deposited", "inside", "patio", "deck", "shed",
    "carport", "basement", "pickup", "point", "relais", "locker", "packstation", "dr", "cdr", "in", "by",
    "for", "to", "le", "la", "du", "au", "with",
})
# Company markers: legal forms and business words, FR/EN/DE/IT/NL/ES.
COMPANY_WORDS = frozenset({
    "company", "compagnie", "cie", "co", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc",
    "llp", "plc", "gmbh", "ag", "kg", "ohg", "ug", "ev", "mbh", "kgaa", "sarl", "sas", "sasu", "sa", "eurl", "sci",
    "snc", "scop", "sca", "gie", "selarl", "spa", "srl", "sapa", "bv", "nv", "vof", "bvba", "sprl", "asbl", "vzw",
    "ab", "oy", "oyj", "aps", "asa", "sl", "slu", "lda", "sp", "zoo", "kk", "gk", "pty", "pte", "bhd", "sdn",
    "pharma", "pharmacie", "pharmacy", "apotheke",
    "farmacia", "works", "workshop", "services", "solutions", "group", "groupe", "gruppe", "gruppo",
    "industries", "industrie", "industry", "international", "intl", "logistics", "logistique", "logistik",
    "store", "stores", "shop", "boutique", "magasin", "restaurant", "cafe", "hotel", "cabinet", "clinique",
    "clinic", "klinik", "hopital", "hospital", "ospedale", "mairie", "ecole", "school", "schule", "scuola",
    "universite", "university", "universitat", "college", "lycee", "bank", "banque", "banca", "assurance",
    "assurances", "insurance", "versicherung", "agency", "agence", "agentur", "office", "bureau",
    "laboratoire", "laboratory", "labs", "lab", "studio", "atelier", "garage", "centre", "center", "zentrum",
    "centro", "association", "verein", "fondation", "foundation", "stiftung", "club", "systems",
    "technologies", "technology", "tech", "consulting", "conseil", "immobilier", "realty", "transport",
    "transports", "trading", "holding", "partners", "associates", "associes", "bros", "brothers", "freres",
    "fils", "sons", "enterprises", "entreprise", "ets", "etablissements", "societe", "society",
    "gesellschaft", "societa", "ministere", "ministry", "department", "departement", "dept", "reception",
    "accueil", "warehouse", "entrepot", "depot", "usine", "factory", "fabrik", "supermarche", "supermarket",
    "market", "marche", "mart", "electronics", "electronique", "automotive", "motors", "media", "software",
    "digital", "distribution", "import", "export", "manufacturing", "design", "energy", "energie", "foods",
    "food", "pharmaceuticals", "medical", "sante", "health", "dental", "optique", "optical", "bakery",
    "boulangerie", "pizzeria", "the", "team", "staff", "hq", "headquarters", "siege",
})



HANDED_TO = {
    "addressee": "addressee", "recipient": "addressee", "neighbour": "neighbour", "neighbor": "neighbour",
    "safe_place": "safe_place", "safeplace": "safe_place", "pickup_point": "pickup_point",
    "mailbox": "mailbox", "mail_box": "mailbox", "letterbox": "mailbox", "reception": "reception",
    "other": "other",
}
