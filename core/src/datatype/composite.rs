//! The composites with named views (XPN, CX, XAD, XTN, CWE, CE, HD, EI, FN,
//! SAD) and their component names, as HL7 v2.5.1 names them.

/// CWE's components (HL7 v2.5.1); CE has the first six.
const CWE_PARTS: &[Part] = &[
    ("identifier", None),
    ("text", None),
    ("name_of_coding_system", None),
    ("alternate_identifier", None),
    ("alternate_text", None),
    ("name_of_alternate_coding_system", None),
    ("coding_system_version_id", None),
    ("alternate_coding_system_version_id", None),
    ("original_text", None),
];

/// A composite datatype with a named view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Datatype {
    /// Extended person name.
    XPN,
    /// Extended composite id with check digit.
    CX,
    /// Extended address.
    XAD,
    /// Extended telecommunication number.
    XTN,
    /// Coded with exceptions.
    CWE,
    /// Coded element.
    CE,
    /// Hierarchic designator.
    HD,
    /// Entity identifier.
    EI,
    /// Family name (inside XPN.1).
    FN,
    /// Street address (inside XAD.1).
    SAD,
}

/// One named part of a composite: its name and, when it is itself a composite, its datatype.
type Part = (&'static str, Option<Datatype>);

impl Datatype {
    /// Every composite datatype with a named view.
    pub const ALL: [Datatype; 10] = [
        Datatype::XPN,
        Datatype::CX,
        Datatype::XAD,
        Datatype::XTN,
        Datatype::CWE,
        Datatype::CE,
        Datatype::HD,
        Datatype::EI,
        Datatype::FN,
        Datatype::SAD,
    ];

    /// The codes of [`ALL`](Self::ALL), in its order.
    pub const NAMES: [&'static str; 10] = {
        let mut names = [""; 10];
        let mut i = 0;
        while i < names.len() {
            names[i] = Self::ALL[i].name();
            i += 1;
        }
        names
    };

    /// Reads `XPN`, `CX`, `XAD`, `XTN`, `CWE`, `CE`, `HD`, `EI`, `FN`, `SAD` (any case).
    pub fn parse(name: &str) -> Option<Datatype> {
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// The datatype's code, e.g. `"XPN"`.
    pub const fn name(self) -> &'static str {
        match self {
            Datatype::XPN => "XPN",
            Datatype::CX => "CX",
            Datatype::XAD => "XAD",
            Datatype::XTN => "XTN",
            Datatype::CWE => "CWE",
            Datatype::CE => "CE",
            Datatype::HD => "HD",
            Datatype::EI => "EI",
            Datatype::FN => "FN",
            Datatype::SAD => "SAD",
        }
    }

    /// The component names in order (HL7 v2.5.1), with nested datatypes.
    pub const fn parts(self) -> &'static [Part] {
        match self {
            Datatype::XPN => &[
                ("family_name", Some(Datatype::FN)),
                ("given_name", None),
                ("second_names", None),
                ("suffix", None),
                ("prefix", None),
                ("degree", None),
                ("name_type_code", None),
                ("name_representation_code", None),
                ("name_context", Some(Datatype::CE)),
                ("name_validity_range", None),
                ("name_assembly_order", None),
                ("effective_date", None),
                ("expiration_date", None),
                ("professional_suffix", None),
            ],
            Datatype::FN => &[
                ("surname", None),
                ("own_surname_prefix", None),
                ("own_surname", None),
                ("surname_prefix_from_partner", None),
                ("surname_from_partner", None),
            ],
            Datatype::CX => &[
                ("id_number", None),
                ("check_digit", None),
                ("check_digit_scheme", None),
                ("assigning_authority", Some(Datatype::HD)),
                ("identifier_type_code", None),
                ("assigning_facility", Some(Datatype::HD)),
                ("effective_date", None),
                ("expiration_date", None),
                ("assigning_jurisdiction", Some(Datatype::CWE)),
                ("assigning_agency", Some(Datatype::CWE)),
            ],
            Datatype::XAD => &[
                ("street_address", Some(Datatype::SAD)),
                ("other_designation", None),
                ("city", None),
                ("state_or_province", None),
                ("zip_or_postal_code", None),
                ("country", None),
                ("address_type", None),
                ("other_geographic_designation", None),
                ("county_parish_code", None),
                ("census_tract", None),
                ("address_representation_code", None),
                ("address_validity_range", None),
                ("effective_date", None),
                ("expiration_date", None),
            ],
            Datatype::SAD => &[
                ("street_or_mailing_address", None),
                ("street_name", None),
                ("dwelling_number", None),
            ],
            Datatype::XTN => &[
                ("telephone_number", None),
                ("telecommunication_use_code", None),
                ("telecommunication_equipment_type", None),
                ("email_address", None),
                ("country_code", None),
                ("area_city_code", None),
                ("local_number", None),
                ("extension", None),
                ("any_text", None),
                ("extension_prefix", None),
                ("speed_dial_code", None),
                ("unformatted_telephone_number", None),
            ],
            Datatype::CWE => CWE_PARTS,
            // CE is CWE's first six components.
            Datatype::CE => CWE_PARTS.split_at(6).0,
            Datatype::HD => &[
                ("namespace_id", None),
                ("universal_id", None),
                ("universal_id_type", None),
            ],
            Datatype::EI => &[
                ("entity_identifier", None),
                ("namespace_id", None),
                ("universal_id", None),
                ("universal_id_type", None),
            ],
        }
    }
}
