"""Whatever a client sends, the answer is a Plivo-style JSON 4xx saying what was wrong, never a 5xx.

In-process (httpx's ASGI transport), one regression test per reported failure and per
class of malformed input found next to them: credentials, JSON bodies, form bodies,
query strings, and values that cannot be written back out as JSON.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from starlette.applications import Starlette

import openapi
from emulator.accounts import DemoCredentials, basic_credentials
from emulator.errors import MAX_MESSAGE_CHARS, ApiError, SafeJSONResponse
from emulator.validation import MAX_JSON_DEPTH, query_pairs, text_problems

from .conftest import Api, AsgiClient, all_objects


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert openapi.schema_errors(body, "Error", "documented") == []
    assert body["api_id"]
    message: str = body["error"]
    return message


def _us_local(app: Starlette, owner: str) -> str:
    for obj in all_objects(app, owner):
        if (
            obj["number_type"] == "local"
            and obj["region"].endswith("UNITED STATES")
            and not obj["sub_account"]
        ):
            number: str = obj["number"]
            return number
    raise AssertionError("no US local number")


# --- Authorization -------------------------------------------------------------------

MALFORMED_AUTHORIZATION: list[tuple[str, bytes]] = [
    ("non-ASCII after Basic (UTF-8 bytes)", "Basic é".encode()),
    ("non-ASCII after Basic (Latin-1 byte)", b"Basic \xe9"),
    ("non-ASCII scheme", "Bäsic abc".encode()),
    ("not base64", b"Basic !!!!"),
    ("bad base64 padding", b"Basic abc"),
    ("base64 of non-UTF-8 bytes", b"Basic " + base64.b64encode(b"\xff\xfe:\xfd")),
    ("no colon", b"Basic " + base64.b64encode(b"MAXXXXXXXXXXXXXXXXXX")),
    ("scheme only", b"Basic"),
    ("scheme and spaces", b"Basic    "),
    ("empty base64 of empty", b"Basic " + base64.b64encode(b"")),
    ("huge", b"Basic " + base64.b64encode(b"MA:" + b"x" * 20_000)),
    ("another scheme", b"Bearer abcdef"),
    ("NUL inside decoded", b"Basic " + base64.b64encode(b"MA\x00:tok\x00")),
    ("only a colon", b"Basic " + base64.b64encode(b":")),
]


@pytest.mark.parametrize(
    "header", [h for _, h in MALFORMED_AUTHORIZATION], ids=[i for i, _ in MALFORMED_AUTHORIZATION]
)
def test_malformed_authorization_is_a_json_401(app: Starlette, demo: DemoCredentials, header: bytes) -> None:
    # Raw header bytes: httpx would refuse to encode some of these itself.
    response = AsgiClient(app).get(
        f"/v1/Account/{demo.auth_id}/Number/", headers=[(b"authorization", header)]
    )
    message = _error(response, 401)
    assert "authentication" in message


@pytest.mark.parametrize(
    "header", [h for _, h in MALFORMED_AUTHORIZATION], ids=[i for i, _ in MALFORMED_AUTHORIZATION]
)
def test_basic_credentials_never_raises(header: bytes) -> None:
    credentials = basic_credentials(header.decode("latin-1"))
    if credentials is not None:  # only the last two decode to something with a colon
        assert ":" not in credentials[0]


def test_two_authorization_headers_are_401_even_if_one_is_right(
    app: Starlette, demo: DemoCredentials
) -> None:
    right = b"Basic " + base64.b64encode(f"{demo.auth_id}:{demo.auth_token}".encode())
    for pair in ([right, b"Basic %%"], [right, right]):
        response = AsgiClient(app).get(
            f"/v1/Account/{demo.auth_id}/Number/", headers=[(b"authorization", value) for value in pair]
        )
        assert "malformed" in _error(response, 401)


def test_malformed_authorization_under_a_rate_limit_is_still_401() -> None:
    # The rate limiter reads the Basic user name too; it used to crash on the same headers.
    from emulator import EmulatorConfig, Faults, create_app

    app = create_app(EmulatorConfig(numbers=10, faults=Faults(rate_limit=100)))
    demo = app.state.demo
    for _, header in MALFORMED_AUTHORIZATION:
        response = AsgiClient(app).get(
            f"/v1/Account/{demo.auth_id}/Number/", headers=[(b"authorization", header)]
        )
        _error(response, 401)


# --- JSON bodies -----------------------------------------------------------------------


def _post(
    main_api: Api, number: str, content: bytes, content_type: str = "application/json"
) -> httpx.Response:
    return main_api.client.post(
        main_api.number_path(number), content=content, headers={"content-type": content_type}
    )


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 2_000, 100_000])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_400(
    app: Starlette, main_api: Api, demo: DemoCredentials, depth: int, opener: str
) -> None:
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + "1" + closer * depth).encode()
    message = _error(_post(main_api, _us_local(app, demo.auth_id), body), 400)
    assert "nests deeper than" in message or "not valid JSON" in message


def test_deep_value_inside_an_object_is_400(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    body = ('{"alias": ' + "[" * 500 + "]" * 500 + "}").encode()
    message = _error(_post(main_api, _us_local(app, demo.auth_id), body), 400)
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in message


def test_lone_surrogate_is_refused_and_never_stored(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    number = _us_local(app, demo.auth_id)
    before = main_api.get(number)
    message = _error(_post(main_api, number, b'{"alias": "\\ud800"}'), 400)
    assert message.startswith("alias: is not valid Unicode text")
    assert "U+D800" in message
    # Nothing changed, and every read still answers.
    after = main_api.get(number)
    assert {**after, "api_id": None} == {**before, "api_id": None}
    assert len(main_api.list_all()) == len(all_objects(app, demo.auth_id))


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"alias": "ok", "cnam": "x\\udfff"}', "cnam"),
        (b'{"alias": "a\\udc80b"}', "alias"),
        (b'{"unknown": ["\\ud83d"]}', "unknown[0]"),
        (b'{"\\ud800": "x"}', "\ufffd"),
    ],
)
def test_surrogates_anywhere_in_the_body_are_named(
    app: Starlette, main_api: Api, demo: DemoCredentials, body: bytes, where: str
) -> None:
    message = _error(_post(main_api, _us_local(app, demo.auth_id), body), 400)
    assert message.startswith(f"{where}: "), message
    assert "not valid Unicode text" in message


def test_a_surrogate_pair_is_ordinary_text(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    number = _us_local(app, demo.auth_id)
    response = _post(main_api, number, b'{"alias": "\\ud83d\\ude00"}')
    assert response.status_code == 202, response.text
    assert main_api.get(number)["alias"] == "\U0001f600"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "request body must be a JSON object, not list"),
        (b"[1, 2]", "request body must be a JSON object, not list"),
        (b"5", "request body must be a JSON object, not int"),
        (b"1.5", "request body must be a JSON object, not float"),
        (b'"alias"', "request body must be a JSON object, not str"),
        (b"null", "request body must be a JSON object, not null"),
        (b"true", "request body must be a JSON object, not bool"),
        (b'{"alias": NaN}', "request body is not valid JSON: NaN is not a JSON value"),
        (b'{"alias": -Infinity}', "request body is not valid JSON: -Infinity is not a JSON value"),
        (b'{"alias": ' + b"9" * 5_000 + b"}", "request body is not JSON this API can read"),
        (b'{"alias": 1e999}', "alias: is not a finite number (inf)"),
        (b'{"alias": "a", "alias": "b"}', "alias: given more than once in the request body"),
        (b'{"alias": true}', "alias: True is not of type 'string'"),
        (b'{"alias": null}', "alias: None is not of type 'string'"),
        (b'{"alias": {"x": 1}}', "alias: {'x': 1} is not of type 'string'"),
        (b'{"alias": "x"', "request body is not valid JSON"),
        (b"\xff\xfe\x00", "request body is not valid JSON"),
        (b'{"alias": "\xff"}', "request body is not valid JSON"),
    ],
)
def test_json_bodies_that_cannot_be_an_update_are_400(
    app: Starlette, main_api: Api, demo: DemoCredentials, body: bytes, message: str
) -> None:
    error = _error(_post(main_api, _us_local(app, demo.auth_id), body), 400)
    assert error.startswith(message), error


def test_a_huge_wrong_value_gives_a_short_message(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    body = json.dumps({"alias": list(range(50_000))}).encode()
    message = _error(_post(main_api, _us_local(app, demo.auth_id), body), 400)
    assert len(message) < MAX_MESSAGE_CHARS + 100


# --- form bodies and Content-Type --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"alias=%ff%fe", "application/x-www-form-urlencoded", "form body is not UTF-8 once percent-decoded"),
        (b"alias=\xff", "application/x-www-form-urlencoded", "form body is not UTF-8"),
        (b"alias=a&alias=b", "application/x-www-form-urlencoded", "alias: given more than once in the form"),
        (
            b"&".join(b"k%d=v" % i for i in range(2_000)),
            "application/x-www-form-urlencoded",
            "form body has more",
        ),
        (b"alias=x", "text/plain", "unsupported Content-Type 'text/plain'"),
        (b"alias=x", "multipart/form-data; boundary=x", "unsupported Content-Type 'multipart/form-data'"),
        (b"{}", "application/xml", "unsupported Content-Type 'application/xml'"),
        (b"alias=x", "application/json", "request body is not valid JSON"),
        (b"alias=x", "application/json; charset=latin-1", "request body is not valid JSON"),
        (b"alias=%ff", "", "form body is not UTF-8 once percent-decoded"),
    ],
)
def test_form_bodies_and_content_types_that_cannot_be_read_are_400(
    app: Starlette, main_api: Api, demo: DemoCredentials, body: bytes, content_type: str, message: str
) -> None:
    error = _error(_post(main_api, _us_local(app, demo.auth_id), body, content_type), 400)
    assert error.startswith(message), error


def test_repeated_unknown_form_fields_are_still_ignored(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    number = _us_local(app, demo.auth_id)
    response = _post(main_api, number, b"x=1&x=2&alias=formed", "application/x-www-form-urlencoded")
    assert response.status_code == 202, response.text
    assert main_api.get(number)["alias"] == "formed"


# --- query strings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (b"alias=%ff%fe", "query string is not UTF-8 once percent-decoded"),
        (b"x=%c3", "query string is not UTF-8 once percent-decoded"),
        (b"limit=1&limit=2", "limit: given more than once in the query string"),
        (b"type=local&type=local", "type: given more than once in the query string"),
        (b"limit=" + b"9" * 5_000, "limit: '999"),
        (b"limit=1.0", "limit: '1.0' is not an integer"),
        (b"limit=1e1", "limit: '1e1' is not an integer"),
        (b"limit=true", "limit: 'true' is not an integer"),
        (b"offset=-1", "offset: -1 is less than the minimum of 0"),
        (b"offset=%00", "offset: '\\x00' is not an integer"),
        (b"limit=%EF%BC%95", "limit: '\uff15' is not an integer"),  # a full-width digit 5
        (b"&".join([b"a="] * 1_001), "query string has more than 1000 fields"),
    ],
)
def test_queries_that_cannot_be_read_are_400(main_api: Api, query: bytes, message: str) -> None:
    response = main_api.client.get(main_api.numbers_path + "?" + query.decode("latin-1"))
    error = _error(response, 400)
    assert error.startswith(message), error


@pytest.mark.parametrize("raw", [b"alias=\xff", b"\xc3"])
def test_raw_bytes_that_are_not_utf8_in_a_query_are_400(raw: bytes) -> None:
    # The HTTP layer refuses raw non-ASCII in a request line; an ASGI caller may still pass it.
    with pytest.raises(ApiError) as refused:
        query_pairs(raw)
    assert (refused.value.status, refused.value.message) == (400, "query string is not UTF-8")


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_every_item_operation_reads_its_query_strictly(
    app: Starlette, main_api: Api, demo: DemoCredentials, method: str
) -> None:
    path = main_api.number_path(_us_local(app, demo.auth_id)) + "?x=%ff"
    response = main_api.client.request(method, path, json={"alias": "q"} if method == "POST" else None)
    assert _error(response, 400) == "query string is not UTF-8 once percent-decoded"


def test_unknown_and_blank_query_parameters_are_still_ignored(main_api: Api) -> None:
    response = main_api.client.get(main_api.numbers_path + "?x=1&x=2&&=&y&limit=3")
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["limit"] == 3


def test_nul_in_a_filter_is_an_ordinary_value(main_api: Api) -> None:
    response = main_api.client.get(main_api.numbers_path, params={"alias": "\x00"})
    assert response.status_code == 200, response.text
    assert response.json()["objects"] == []


# --- paths and routing -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/Account/{auth_id}/Number//",
        "/v1/Account/{auth_id}/Number/1/2/",
        "/v1/Account/{auth_id}/Number/%ff%fe/",
        "/v1/Account//Number/",
        "//v1/Account/{auth_id}/Number/",
        "/v1/Account/{auth_id}/Number/%00/",
        "/nowhere",
    ],
)
def test_odd_paths_get_json_4xx_never_a_redirect(demo: DemoCredentials, app: Starlette, path: str) -> None:
    response = AsgiClient(app, auth=(demo.auth_id, demo.auth_token)).get(
        path.format(auth_id=demo.auth_id), headers={"host": "["}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["api_id"]


# --- serialisation -----------------------------------------------------------------------


def test_a_stored_value_that_json_cannot_hold_never_breaks_a_read(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    # Requests and inventories can no longer store these; if anything ever does, reads
    # still answer (with U+FFFD and null in place of the unwritable values).
    number = _us_local(app, demo.auth_id)
    principal = app.state.directory.authenticate(demo.auth_id, demo.auth_token)
    app.state.store.modify(principal, number, lambda fields: {"alias": "bad\ud800", "cnam": float("nan")})
    got = main_api.get(number)
    assert got["alias"] == "bad\ufffd"
    assert got["cnam"] is None
    assert len(main_api.list_all()) == len(all_objects(app, demo.auth_id))


def test_safe_json_response_renders_anything() -> None:
    content = {"s": "\udc00", "f": float("inf"), "n": [float("nan")], "o": object(), 1: "int key"}
    body = json.loads(bytes(SafeJSONResponse(content).body))
    assert body["s"] == "\ufffd"
    assert body["f"] is None
    assert body["n"] == [None]
    assert body["1"] == "int key"
    assert isinstance(body["o"], str)


def test_text_problems_finds_every_unwritable_value() -> None:
    value = {"a": ["ok", "\ud800"], "b": {"c": float("nan")}, "\udfff": 1, "d": 1.5}
    found = dict(text_problems(value))
    assert set(found) == {"a[1]", "b.c", "\ufffd"}


def test_a_repeated_form_field_whose_schema_admits_a_list_becomes_a_list() -> None:
    from emulator.validation import BodySchema

    body = BodySchema(
        {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"alias": {"type": "string"}, "info": {}}}
                }
            }
        }
    )
    form = "application/x-www-form-urlencoded"
    assert body.parse(form, b"info=a&info=b&info=c&x=1&x=2") == {"info": ["a", "b", "c"], "x": "2"}
    with pytest.raises(ApiError, match="alias: given more than once in the form body"):
        body.parse(form, b"alias=a&alias=b")
