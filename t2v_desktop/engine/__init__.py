"""Everything that turns a project into pixels and samples: sources, op stages, the Renderer, export."""
