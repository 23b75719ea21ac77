"""Which installation the emulator plays: v1.0 (default) or 2016, and what the site lacks.

Why switches rather than separate emulators: real sites run versions from 2016 to today, with modules
missing and Web API users without rights to some of them (issue 10). One emulator that can be started as
each of them lets end-to-end tests prove that cwsage copes with every variant; each switch is one line of
``docs/sage300-inferred.md`` → "Dialects".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cwsage.sandbox.sage300 import vocabulary as vocab
from cwsage.sandbox.sage300.errors import SageError, no_resource
from cwsage.sandbox.sage300.model import Module, Resource, StructType

Version = Literal["v1.0", "2016"]


@dataclass(frozen=True)
class Dialect:
    """The variant of Sage 300 the emulator answers as.

    Attributes:
        version: ``"v1.0"`` (OData v4, ER22 names) or ``"2016"`` (OData v3, MD16 names and keys, no
            ``('$template')``, ``BatchStatus`` in a creating POST ignored).
        forbidden_modules: modules the Web API user has no rights to (every request → 403 ``Forbidden``).
        company_profile: whether ``CS/CSCompanyProfile`` exists (404 ``ResourceNotFound`` when not).
        companies_list: whether ``-/Companies`` is served (I1; off by default).
    """

    version: Version = "v1.0"
    forbidden_modules: frozenset[str] = field(default_factory=frozenset)
    company_profile: bool = True
    companies_list: bool = False

    @property
    def odata4(self) -> bool:
        """OData v4 (v1.0) rather than v3 (2016)."""
        return self.version == "v1.0"

    def name_of(self, resource: Resource) -> str:
        """The entity set name this version uses."""
        return resource.name if self.odata4 else resource.name_2016

    def renames(self, module: str, struct: StructType) -> dict[str, str]:
        """v1.0 property name → this version's name, for one entity type (empty in v1.0)."""
        if self.odata4:
            return {}
        return vocab.RENAMES_2016.get((module, struct.name), {})

    def resource(self, module: Module, name: str, *, inventory_control: bool) -> Resource:
        """The resource a URL names, or the error a real site of this kind answers.

        Raises:
            SageError: 403 ``Forbidden`` (no rights to the module), 404 ``ResourceNotFound`` (unknown name,
                IC not activated, no company profile).
        """
        if module.code in self.forbidden_modules:
            raise SageError("Forbidden", f"The user does not have Web API rights to the {module.code} module.")
        if module.code == "IC" and not inventory_control:
            raise no_resource(f"Resource 'IC/{name}' was not found: Inventory Control is not activated.")
        for resource in module.resources:
            if self.name_of(resource) == name:
                if resource.name == "CSCompanyProfile" and not self.company_profile:
                    break
                return resource
        raise no_resource(f"Resource '{module.code}/{name}' was not found.")

    def served(self, module: Module) -> list[Resource]:
        """The resources of a module this site serves (for ``$metadata``)."""
        return [r for r in module.resources if r.name != "CSCompanyProfile" or self.company_profile]
