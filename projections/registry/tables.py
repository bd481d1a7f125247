"""The registry's read-model tables (projection ``registry``)."""

from __future__ import annotations

TABLES = (
    "registry_estates",
    "registry_buildings",
    "registry_units",
    "registry_parking",
    "registry_people",
    "registry_occupancy",
)

DDL = (
    """CREATE TABLE IF NOT EXISTS registry_estates (
        estate_id uuid PRIMARY KEY,
        code text NOT NULL,
        name text NOT NULL,
        address text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS registry_buildings (
        building_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        code text NOT NULL,
        name text NOT NULL,
        floors integer,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    # The list's keyset, (estate, code): a page is read off the index.
    "CREATE INDEX IF NOT EXISTS registry_buildings_estate_code "
    "ON registry_buildings (estate_id, code)",
    """CREATE TABLE IF NOT EXISTS registry_units (
        unit_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        building_id uuid NOT NULL,
        number text NOT NULL,
        floor integer NOT NULL,
        gross_area numeric(12, 2) NOT NULL,
        internal_area numeric(12, 2) NOT NULL,
        use text NOT NULL,
        occupant_user_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    # An estate's units in the list's order: a page is read off the index.
    "CREATE INDEX IF NOT EXISTS registry_units_estate_order "
    "ON registry_units (estate_id, building_id, number)",
    "CREATE INDEX IF NOT EXISTS registry_units_building ON registry_units (building_id)",
    # Whose own a unit is (projections/reach.py tests the array with @>).
    "CREATE INDEX IF NOT EXISTS registry_units_occupants ON registry_units "
    "USING gin (occupant_user_ids)",
    """CREATE TABLE IF NOT EXISTS registry_parking (
        parking_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        code text NOT NULL,
        level text,
        kind text NOT NULL,
        unit_id uuid,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS registry_parking_estate_code ON registry_parking (estate_id, code)",
    """CREATE TABLE IF NOT EXISTS registry_people (
        person_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        name_masked text,
        phone_masked text,
        national_id_masked text,
        user_id uuid,
        personal_data_erased boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS registry_people_estate_page "
    "ON registry_people (estate_id, person_id)",
    "CREATE INDEX IF NOT EXISTS registry_people_user ON registry_people (user_id)",
    """CREATE TABLE IF NOT EXISTS registry_occupancy (
        occupancy_id uuid PRIMARY KEY,
        unit_id uuid NOT NULL,
        estate_id uuid NOT NULL,
        building_id uuid NOT NULL,
        person_id uuid NOT NULL,
        user_id uuid,
        relation text NOT NULL,
        moved_in_on date NOT NULL,
        moved_out_on date,
        ended_by text,
        recorded_at timestamptz NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS registry_occupancy_unit ON registry_occupancy (unit_id)",
    "CREATE INDEX IF NOT EXISTS registry_occupancy_estate ON registry_occupancy (estate_id)",
    "CREATE INDEX IF NOT EXISTS registry_occupancy_user ON registry_occupancy (user_id)",
    "CREATE INDEX IF NOT EXISTS registry_occupancy_person ON registry_occupancy (person_id)",
)
