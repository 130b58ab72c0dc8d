-- The administrators' list of resources (drafts and closed ones too), in kana order, for
-- one town or for the region.
CREATE INDEX resources_managed ON resources (municipality_code, sort_key, id);
CREATE INDEX resources_managed_region ON resources (sort_key, id);
