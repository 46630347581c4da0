"""Fictional but plausible people for the demo data (``manage.py seed_demo``).

Names are common given names and surnames of each country, combined at random: they
describe nobody.
"""

from __future__ import annotations

NAMES_BY_COUNTRY: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # country: (female first names, male first names, last names)
    "MA": (
        ("Fatima", "Khadija", "Salma", "Imane", "Nadia", "Zineb", "Houda"),
        ("Mohamed", "Youssef", "Hamza", "Mehdi", "Karim", "Rachid", "Anas"),
        ("El Amrani", "Benali", "Haddad", "Ouazzani", "Tazi", "Berrada", "El Idrissi", "Chakir"),
    ),
    "SY": (
        ("Rania", "Lina", "Hala", "Nour", "Yara", "Rasha"),
        ("Ahmad", "Omar", "Khaled", "Bassel", "Tarek", "Fadi"),
        ("Al Hussein", "Haddad", "Khoury", "Al Ahmad", "Darwish", "Hamdan", "Najjar"),
    ),
    "AF": (
        ("Zahra", "Mariam", "Fereshta", "Parwana", "Shabnam"),
        ("Ahmad", "Mohammad", "Farid", "Jawad", "Rahim", "Sultan"),
        ("Ahmadi", "Rahimi", "Hakimi", "Noori", "Sultani", "Karimi", "Popal"),
    ),
    "UA": (
        ("Olena", "Iryna", "Natalia", "Oksana", "Yulia", "Kateryna"),
        ("Oleksandr", "Andrii", "Dmytro", "Serhii", "Volodymyr", "Mykola"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk"),
    ),
    "CD": (
        ("Grâce", "Esther", "Divine", "Merveille", "Rachel", "Béatrice"),
        ("Patrick", "Jean-Pierre", "Christian", "Junior", "Héritier", "Fiston"),
        ("Mukendi", "Kabasele", "Tshibangu", "Mbuyi", "Kalonji", "Lukusa", "Ilunga"),
    ),
    "GN": (
        ("Aïssatou", "Mariama", "Kadiatou", "Fatoumata", "Hawa"),
        ("Mamadou", "Alpha", "Ibrahima", "Ousmane", "Thierno", "Sékou"),
        ("Diallo", "Barry", "Bah", "Sow", "Camara", "Condé", "Soumah"),
    ),
    "CM": (
        ("Brigitte", "Clarisse", "Sandrine", "Estelle", "Carine"),
        ("Serge", "Hervé", "Blaise", "Armand", "Cédric"),
        ("Nkoulou", "Mbarga", "Fotso", "Tchamba", "Ngono", "Essomba"),
    ),
    "ER": (
        ("Helen", "Senait", "Selam", "Yohana", "Mebrat"),
        ("Yonas", "Dawit", "Samuel", "Tesfay", "Biniam"),
        ("Tesfamariam", "Ghebremedhin", "Haile", "Berhane", "Kidane", "Woldu"),
    ),
    "TR": (
        ("Ayşe", "Elif", "Zeynep", "Emine", "Merve"),
        ("Mehmet", "Mustafa", "Emre", "Burak", "Hasan"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"),
    ),
    "BR": (
        ("Ana", "Juliana", "Camila", "Fernanda", "Larissa"),
        ("João", "Lucas", "Rafael", "Thiago", "Gabriel"),
        ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa"),
    ),
    "RO": (
        ("Elena", "Ioana", "Andreea", "Mihaela", "Cristina"),
        ("Andrei", "Ionuț", "Mihai", "Alexandru", "Florin"),
        ("Popescu", "Ionescu", "Stan", "Dumitru", "Munteanu", "Constantin"),
    ),
    "IN": (
        ("Priya", "Anjali", "Deepa", "Kavya", "Meera"),
        ("Arjun", "Rahul", "Vikram", "Sanjay", "Rohan"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta"),
    ),
}

# Rough weights: nationalities most often seen in the province's integration path.
COUNTRY_WEIGHTS: dict[str, int] = {
    "MA": 14,
    "SY": 12,
    "AF": 12,
    "UA": 10,
    "CD": 10,
    "GN": 9,
    "CM": 7,
    "ER": 6,
    "TR": 5,
    "BR": 6,
    "RO": 3,
    "IN": 6,
}

# Staff who hold files in the demo, one caseworker per office.
DEMO_CASEWORKERS: dict[str, tuple[str, str]] = {
    "namur": ("Claire", "Dubois"),
    "andenne": ("Nicolas", "Lambert"),
    "ciney": ("Sophie", "Renard"),
    "beauraing": ("Julien", "Marchal"),
    "sambreville": ("Amina", "Belkacem"),
    "gembloux": ("Thomas", "Lejeune"),
    "philippeville": ("Isabelle", "Collard"),
    "dinant": ("Marc", "Henrard"),
}
