from app.auth.passwords import hash_password, password_problem, verify_password


def test_length_limits():
    assert password_problem("short1!") is not None
    assert password_problem("a sufficiently long phrase") is None
    assert password_problem("x" * 60 + "yz!") is None  # long passphrases are welcome
    assert password_problem("ab" * 65) is not None  # past the maximum


def test_common_passwords_are_refused():
    for common in ("password", "12345678", "qwertyuiop", "iloveyou", "Password1"):
        assert password_problem(common) is not None, common


def test_email_as_password_is_refused():
    assert password_problem("minji@example.org", email="MinJi@example.org") is not None


def test_hashing_uses_argon2_and_verifies():
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "wrong horse battery staple")
    assert not verify_password("not a hash", "anything")
