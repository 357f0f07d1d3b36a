"""`ledger export --format prov-json|prov-n` from a real ledger, read back with `prov`."""

from __future__ import annotations

from prov.model import ProvDelegation, ProvDerivation, ProvDocument

from tests.conftest import EXAMPLE


def test_prov_json_export_reads_back_with_delegation_and_denial_derivation(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    result = run_cli(
        "export", "--incident", "deir-ez-zor-shelling-2017-09", "--format", "prov-json"
    )
    assert result.exit_code == 0, result.output
    document = ProvDocument.deserialize(content=result.stdout, format="json")
    records = [r for bundle in document.bundles for r in bundle.get_records()]
    delegations = {
        (str(r.formal_attributes[0][1]), str(r.formal_attributes[1][1]))
        for r in records
        if isinstance(r, ProvDelegation)
    }
    # Check the speaker acted on behalf of the ministry, and the SDF denial derives from the claim.
    assert ("actor:maj-gen-igor-konashenkov", "actor:russian-ministry-of-defence") in delegations
    derivations = {
        (str(r.formal_attributes[0][1]), str(r.formal_attributes[1][1]))
        for r in records
        if isinstance(r, ProvDerivation)
    }
    assert ("report:sdf-shelling-denial", "report:mod-shelling") in derivations


def test_prov_n_export_and_an_unknown_format(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    result = run_cli("export", "--format", "prov-n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("document")
    assert "actedOnBehalfOf(actor:maj-gen-igor-konashenkov" in result.stdout
    bad = run_cli("export", "--format", "xml")
    assert bad.exit_code == 2
    assert "--format must be one of jsonl, events, prov-json, prov-n" in bad.output
