"""The Teams app package: a zip a Teams administrator can upload, valid against the schema."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.cards import EXAMPLE_QUESTIONS
from bot.commands.cli import main
from manifest import icons
from manifest.package import NOT_A_GUID, AppDetails, ManifestRefused, build_manifest, write_package

SCHEMA = json.loads((Path(__file__).parent.parent / "schemas" / "teams-manifest-1.22.json").read_text(encoding="utf-8"))
BOT_ID = "3f2c1b4a-9d8e-4f7a-b6c5-1a2b3c4d5e6f"
SCOPES = {"personal", "team", "groupChat"}


def validate(manifest: dict) -> list[str]:
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Width, height and RGBA rows of an 8-bit RGBA PNG (all five row filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        assert struct.unpack(">I", data[position + 8 + length : position + 12 + length])[0] == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour_type, interlace) == (8, 6, 0), "expected 8-bit RGBA, not interlaced"
    raw = zlib.decompress(idat)
    stride = width * 4
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - 4] if i >= 4 else 0
            up = previous[i]
            corner = previous[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    pixels = [[tuple(row[x * 4 : x * 4 + 4]) for x in range(width)] for row in rows]
    return width, height, pixels  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def no_app_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests say every detail they rely on; the machine's own settings do not leak in."""
    for name in ("MicrosoftAppId", "TEAMS_APP_ID", "TEAMS_APP_NAME", "TEAMS_APP_VERSION", "TEAMS_APP_DEVELOPER_NAME",
                 "TEAMS_APP_WEBSITE_URL", "TEAMS_APP_PRIVACY_URL", "TEAMS_APP_TERMS_URL", "TEAMS_APP_DOMAINS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    output = tmp_path / "app.zip"
    assert main(["manifest", "--app-id", BOT_ID, "-o", str(output)]) == 0
    return output


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(package: Path) -> None:
    """Teams reads exactly these three files from the top of the zip."""
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_the_packaged_manifest_validates_against_the_teams_schema(package: Path) -> None:
    """Schema v1.22, checked offline against the vendored JSON schema."""
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["manifestVersion"] == "1.22"
    assert validate(manifest) == []


def test_the_schema_check_is_not_vacuous() -> None:
    """A manifest with a bad bot id or a missing field fails the same check."""
    manifest = build_manifest(AppDetails(bot_id=BOT_ID))
    broken = json.loads(json.dumps(manifest))
    broken["bots"][0]["botId"] = "not-a-guid"
    del broken["developer"]
    assert len(validate(broken)) >= 2


def test_the_bot_works_in_personal_chat_teams_and_group_chats(package: Path) -> None:
    """One bot with all three scopes and a command list for each scope."""
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    (bot,) = manifest["bots"]
    assert bot["botId"] == BOT_ID and manifest["id"] == BOT_ID
    assert set(bot["scopes"]) == SCOPES
    assert sorted(scope for command_list in bot["commandLists"] for scope in command_list["scopes"]) == sorted(SCOPES)
    for command_list in bot["commandLists"]:
        assert [command["title"] for command in command_list["commands"]] == list(EXAMPLE_QUESTIONS)


def test_the_colour_icon_is_192_square_and_opaque(package: Path) -> None:
    """Teams shows the colour icon on a tile; it has no transparent holes."""
    with zipfile.ZipFile(package) as archive:
        width, height, pixels = decode_png(archive.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(pixel[3] == 255 for row in pixels for pixel in row)
    assert len({pixel for row in pixels for pixel in row}) == 2


def test_the_outline_icon_is_32_square_white_on_transparent(package: Path) -> None:
    """Every pixel of the outline is fully transparent or white, and the glyph is there."""
    with zipfile.ZipFile(package) as archive:
        width, height, pixels = decode_png(archive.read("outline.png"))
    assert (width, height) == (32, 32)
    colours = {pixel for row in pixels for pixel in row}
    assert all(alpha == 0 or (r, g, b) == (255, 255, 255) for r, g, b, alpha in colours)
    assert (255, 255, 255, 255) in colours
    assert (0, 0, 0, 0) in colours
    assert all(pixel[3] == 0 for pixel in pixels[0] + pixels[-1])


def test_committed_icons_are_the_ones_the_code_draws() -> None:
    """manifest/color.png and outline.png are reproducible from manifest/icons.py."""
    assert (Path(icons.__file__).parent / "color.png").read_bytes() == icons.color_icon()
    assert (Path(icons.__file__).parent / "outline.png").read_bytes() == icons.outline_icon()


def test_the_same_details_give_the_same_bytes(tmp_path: Path) -> None:
    """Packages are reproducible, so an administrator can compare two builds."""
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    write_package(AppDetails(bot_id=BOT_ID), first)
    write_package(AppDetails(bot_id=BOT_ID), second)
    assert first.read_bytes() == second.read_bytes()


def test_developer_details_name_version_and_domains_come_from_the_options(tmp_path: Path) -> None:
    """Everything installation-specific can be set on the command line."""
    output = tmp_path / "out" / "custom.zip"
    code = main([
        "manifest", "--app-id", BOT_ID.upper(), "-o", str(output), "--name", "MOPAC register", "--version", "2.3.4",
        "--developer-name", "MOPAC Commissioning", "--website-url", "https://mopac.example.gov.uk/bot",
        "--privacy-url", "https://mopac.example.gov.uk/privacy", "--terms-url", "https://mopac.example.gov.uk/terms",
        "--domain", "bot.mopac.example.gov.uk", "--teams-app-id", "11111111-2222-4333-8444-555555555555",
    ])
    assert code == 0
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert validate(manifest) == []
    assert manifest["name"]["short"] == "MOPAC register"
    assert manifest["version"] == "2.3.4"
    assert manifest["id"] == "11111111-2222-4333-8444-555555555555"
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["developer"] == {
        "name": "MOPAC Commissioning",
        "websiteUrl": "https://mopac.example.gov.uk/bot",
        "privacyUrl": "https://mopac.example.gov.uk/privacy",
        "termsOfUseUrl": "https://mopac.example.gov.uk/terms",
    }
    assert manifest["validDomains"] == ["bot.mopac.example.gov.uk"]


def test_details_come_from_the_environment_when_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The bot's own MicrosoftAppId and TEAMS_APP_* variables fill the manifest."""
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    monkeypatch.setenv("TEAMS_APP_DEVELOPER_NAME", "LLR OPCC")
    monkeypatch.setenv("TEAMS_APP_WEBSITE_URL", "https://opcc.example.gov.uk")
    monkeypatch.setenv("TEAMS_APP_PRIVACY_URL", "https://opcc.example.gov.uk/privacy")
    monkeypatch.setenv("TEAMS_APP_TERMS_URL", "https://opcc.example.gov.uk/terms")
    monkeypatch.setenv("TEAMS_APP_DOMAINS", "bot.opcc.example.gov.uk, api.opcc.example.gov.uk")
    output = tmp_path / "env.zip"
    assert main(["manifest", "-o", str(output)]) == 0
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["developer"]["name"] == "LLR OPCC"
    assert manifest["validDomains"] == ["bot.opcc.example.gov.uk", "api.opcc.example.gov.uk"]
    captured = capsys.readouterr()
    assert f"Wrote {output}" in captured.out
    assert "placeholders" not in captured.err


def test_placeholder_developer_urls_are_pointed_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without real URLs the package still side-loads, and the command says what to set."""
    assert main(["manifest", "--app-id", BOT_ID, "-o", str(tmp_path / "app.zip")]) == 0
    assert "--website-url" in capsys.readouterr().err


def test_a_non_guid_app_id_is_refused_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No zip is written, the exit code is non-zero and the message shows a GUID's shape."""
    output = tmp_path / "app.zip"
    assert main(["manifest", "--app-id", "my-bot", "-o", str(output)]) == 2
    assert capsys.readouterr().err.strip() == NOT_A_GUID.format(value="my-bot")
    assert not output.exists()


@pytest.mark.parametrize(
    "options, message",
    [
        ([], "Give the bot's Microsoft App ID"),
        (["--app-id", BOT_ID, "--version", "1.0"], "three numbers like 1.0.0"),
        (["--app-id", BOT_ID, "--name", "A very long name for a Teams app indeed"], "at most 30 characters"),
        (["--app-id", BOT_ID, "--website-url", "http://insecure.example.org"], "https://"),
        (["--app-id", BOT_ID, "--domain", "https://bot.example.org/api"], "no https:// or path"),
        (["--app-id", BOT_ID, "--teams-app-id", "xyz"], "GUID"),
    ],
)
def test_values_teams_would_reject_are_refused_up_front(
    options: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each bad value gets one sentence saying what to give instead, never a traceback."""
    output = tmp_path / "app.zip"
    assert main(["manifest", *options, "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not output.exists()


def test_an_unwritable_output_is_a_message_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Writing over a directory fails politely."""
    assert main(["manifest", "--app-id", BOT_ID, "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"Cannot write {tmp_path}")


def test_refusals_are_a_value_error_callers_can_catch() -> None:
    """Library callers get ManifestRefused with the same words."""
    with pytest.raises(ManifestRefused, match="GUID"):
        build_manifest(AppDetails(bot_id="0000"))
