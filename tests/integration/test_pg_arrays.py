"""Array parameters sent as PostgreSQL's array text come back as the lists they were."""

from sqlalchemy import create_engine, text

from minibank.store.driver import pg_array

AWKWARD = ['a "b"', "c\\d", "{e,f}", "NULL", "", " spaced ", "tab\there", "naïve ✓", '\\"', "'"]


def test_text_and_numbers_survive_the_round_trip(postgres_url):
    engine = create_engine(postgres_url)
    numbers = [0, -1, 2**63 - 1, None]
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT CAST(:texts AS TEXT[]), CAST(:numbers AS BIGINT[]), CAST(:empty AS BIGINT[])"),
            {"texts": pg_array(AWKWARD), "numbers": pg_array(numbers), "empty": pg_array([])},
        ).one()
    engine.dispose()
    assert list(row) == [AWKWARD, numbers, []]
